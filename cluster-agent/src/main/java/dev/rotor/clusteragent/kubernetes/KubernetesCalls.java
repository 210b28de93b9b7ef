package dev.rotor.clusteragent.kubernetes;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.work.AgentStopped;
import dev.rotor.clusteragent.work.Backoff;
import dev.rotor.clusteragent.work.Deadline;
import dev.rotor.clusteragent.work.Pauses;
import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.event.Reasons;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Calls to the Kubernetes API with retries of transient failures (no answer, 429, 5xx) until a
 * deadline; anything else becomes a {@link RolloutFailure} with its reason code.
 */
@ApplicationScoped
public class KubernetesCalls {
  private static final Logger LOG = Logger.getLogger(KubernetesCalls.class);

  private final ClusterAgentConfig config;

  KubernetesCalls(ClusterAgentConfig config) {
    this.config = config;
  }

  /**
   * Runs {@code call}, retrying transient failures until {@code deadline}.
   *
   * @param what what the call does, for messages ("apply secret shop/app-key")
   * @throws RolloutFailure when the API refuses, or is still unavailable at the deadline (TIMEOUT)
   * @throws AgentStopped when the agent stops meanwhile
   */
  public <T> T call(String what, Deadline deadline, Supplier<T> call) {
    Backoff backoff = new Backoff(config.retry().initialBackoff(), config.retry().maxBackoff());
    while (true) {
      Pauses.checkRunning();
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        if (Thread.currentThread().isInterrupted() || isInterruption(e)) {
          throw new AgentStopped();
        }
        if (!ApiErrors.isTransient(e)) {
          throw ApiErrors.failure(e, what);
        }
        if (deadline.expired()) {
          throw new RolloutFailure(
              Reasons.Rollout.TIMEOUT,
              what
                  + " failed: the Kubernetes API was unavailable for "
                  + deadline.budget()
                  + " ("
                  + ApiErrors.describe(e)
                  + ")");
        }
        LOG.warnf(
            "ROTOR-3040 %s: transient Kubernetes API error, retrying: %s",
            what, ApiErrors.describe(e));
        Pauses.pause(min(backoff.next(), deadline));
      }
    }
  }

  private static Duration min(Duration delay, Deadline deadline) {
    Duration left = deadline.remaining();
    return delay.compareTo(left) < 0 ? delay : left;
  }

  private static boolean isInterruption(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof InterruptedException) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }
}
