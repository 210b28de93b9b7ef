package dev.rotor.clusteragent.rollout;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.kubernetes.ApiErrors;
import dev.rotor.clusteragent.kubernetes.ChangeSignal;
import dev.rotor.clusteragent.kubernetes.KubernetesCalls;
import dev.rotor.clusteragent.work.Deadline;
import dev.rotor.clusteragent.work.Pauses;
import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Waits for a Deployment's rollout like {@code kubectl rollout status} ({@link RolloutStatus}):
 * woken by watches of the Deployment and its pods, and re-reading every {@code
 * rotor.cluster-agent.rollout.resync-interval} whatever the watches say. A watch that the server
 * closes is opened again: a dropped watch is not a failure. The agent's own deadline fails with
 * TIMEOUT; {@code ProgressDeadlineExceeded} fails at once.
 */
@ApplicationScoped
public class RolloutWatcher {
  private static final Logger LOG = Logger.getLogger(RolloutWatcher.class);

  private final KubernetesClient client;
  private final KubernetesCalls calls;
  private final ClusterAgentConfig config;
  private final MeterRegistry registry;

  RolloutWatcher(
      KubernetesClient client,
      KubernetesCalls calls,
      ClusterAgentConfig config,
      MeterRegistry registry) {
    this.client = client;
    this.calls = calls;
    this.config = config;
    this.registry = registry;
  }

  /**
   * Waits until {@code namespace/name} has rolled out the restart marked {@code mark}.
   *
   * @return the new pods
   * @throws RolloutFailure PROGRESS_DEADLINE_EXCEEDED, TIMEOUT at {@code deadline}, NOT_FOUND if
   *     the Deployment disappears
   */
  public List<PodStatus> await(String namespace, String name, String mark, Deadline deadline) {
    ChangeSignal signal = new ChangeSignal();
    Watches watches = new Watches(namespace, name, signal);
    String waitingFor = "the first status";
    try {
      while (true) {
        Pauses.checkRunning();
        Deployment deployment =
            calls.call(
                "read Deployment " + namespace + "/" + name,
                deadline,
                () -> client.apps().deployments().inNamespace(namespace).withName(name).get());
        if (deployment == null) {
          throw new RolloutFailure(
              Reasons.Rollout.NOT_FOUND,
              "Deployment " + namespace + "/" + name + " was deleted during its rollout");
        }
        watches.ensurePods(deployment.getSpec().getSelector());
        List<Pod> pods = pods(namespace, deployment.getSpec().getSelector(), deadline);
        RolloutStatus status = RolloutStatus.of(deployment, pods, mark);
        if (status instanceof RolloutStatus.Done done) {
          LOG.infof(
              "ROTOR-3022 Deployment %s/%s rolled out %s: %d new pods",
              namespace, name, mark, done.pods().size());
          return done.pods();
        }
        if (status instanceof RolloutStatus.Failed failed) {
          throw new RolloutFailure(Reasons.Rollout.PROGRESS_DEADLINE_EXCEEDED, failed.reason());
        }
        String reason = ((RolloutStatus.Waiting) status).reason();
        if (!reason.equals(waitingFor)) {
          LOG.debugf("Deployment %s/%s: %s", namespace, name, reason);
          waitingFor = reason;
        }
        if (deadline.expired()) {
          throw new RolloutFailure(
              Reasons.Rollout.TIMEOUT,
              "Deployment "
                  + namespace
                  + "/"
                  + name
                  + " did not finish its rollout within "
                  + deadline.budget()
                  + " (rotor.cluster-agent.rollout.timeout): "
                  + waitingFor);
        }
        watches.ensureDeployment();
        Duration resync = config.rollout().resyncInterval();
        signal.await(resync.compareTo(deadline.remaining()) < 0 ? resync : deadline.remaining());
      }
    } finally {
      watches.close();
    }
  }

  private List<Pod> pods(String namespace, LabelSelector selector, Deadline deadline) {
    if (selector == null) {
      return List.of();
    }
    return calls.call(
        "list pods of " + namespace,
        deadline,
        () -> client.pods().inNamespace(namespace).withLabelSelector(selector).list().getItems());
  }

  /**
   * The watches of one wait, opened again when the server closes them. A watch the agent may not
   * open is tried again at every read (the wait reads anyway) and warned about once per wait; a
   * resume is counted and logged only when a watch that was open is open again.
   */
  private final class Watches {
    private final String namespace;
    private final String name;
    private final ChangeSignal signal;
    private final AtomicBoolean deploymentOpen = new AtomicBoolean();
    private final AtomicBoolean podsOpen = new AtomicBoolean();
    private Watch deploymentWatch;
    private Watch podWatch;
    private LabelSelector podSelector;
    private boolean deploymentEverOpened;
    private boolean deploymentRefused;
    private boolean podsEverOpened;
    private boolean podsRefused;

    Watches(String namespace, String name, ChangeSignal signal) {
      this.namespace = namespace;
      this.name = name;
      this.signal = signal;
    }

    void ensureDeployment() {
      if (deploymentOpen.get()) {
        return;
      }
      closeQuietly(deploymentWatch);
      deploymentWatch = null;
      try {
        deploymentWatch =
            client
                .apps()
                .deployments()
                .inNamespace(namespace)
                .withName(name)
                .watch(new Wake<>(deploymentOpen));
        deploymentOpen.set(true);
      } catch (KubernetesClientException e) {
        if (!deploymentRefused) {
          LOG.warnf(
              "ROTOR-3023 cannot watch Deployment %s/%s, reading it every %s instead: %s",
              namespace, name, config.rollout().resyncInterval(), ApiErrors.describe(e));
          deploymentRefused = true;
        }
        return;
      }
      if (deploymentEverOpened) {
        resumed("Deployment");
      }
      deploymentEverOpened = true;
    }

    void ensurePods(LabelSelector selector) {
      if (selector == null || (podsOpen.get() && selector.equals(podSelector))) {
        return;
      }
      // Open again for the same selector: the server closed it. A new selector is a new watch.
      boolean again = podsEverOpened && selector.equals(podSelector);
      closeQuietly(podWatch);
      podWatch = null;
      podSelector = selector;
      try {
        podWatch =
            client
                .pods()
                .inNamespace(namespace)
                .withLabelSelector(selector)
                .watch(new Wake<>(podsOpen));
        podsOpen.set(true);
      } catch (KubernetesClientException e) {
        if (!podsRefused) {
          LOG.warnf(
              "ROTOR-3023 cannot watch the pods of %s/%s, reading them every %s instead: %s",
              namespace, name, config.rollout().resyncInterval(), ApiErrors.describe(e));
          podsRefused = true;
        }
        return;
      }
      if (again) {
        resumed("pods of Deployment");
      }
      podsEverOpened = true;
    }

    private void resumed(String what) {
      registry.counter("rotor.cluster-agent.watch.resumed").increment();
      LOG.infof(
          "ROTOR-3023 the watch of %s %s/%s was closed by the server: watching again",
          what, namespace, name);
    }

    void close() {
      closeQuietly(deploymentWatch);
      closeQuietly(podWatch);
    }

    private void closeQuietly(Watch watch) {
      if (watch != null) {
        try {
          watch.close();
        } catch (RuntimeException e) {
          LOG.debugf("closing a watch: %s", e.getMessage());
        }
      }
    }

    private final class Wake<T> implements Watcher<T> {
      private final AtomicBoolean open;

      Wake(AtomicBoolean open) {
        this.open = open;
      }

      @Override
      public void eventReceived(Action action, T resource) {
        signal.fire();
      }

      @Override
      public void onClose(WatcherException cause) {
        open.set(false);
        signal.fire();
      }

      @Override
      public void onClose() {
        open.set(false);
      }
    }
  }
}
