package dev.rotor.clusteragent.events;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.work.AgentStopped;
import dev.rotor.clusteragent.work.Backoff;
import dev.rotor.clusteragent.work.Pauses;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Sources;
import dev.rotor.common.messaging.KafkaEvents;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Sends the agent's events to {@code rotor.rollouts}, source {@code
 * /rotor/cluster-agent/<cluster>}. Each id derives from the event that caused it and a step name
 * ({@code <cause id>/distribute}), so doing a step again after a restart sends the same id, which
 * every consumer recognises; the runner records each event in its journal before sending it, so
 * that what it sends again is the very same event (time and data too). A send that Kafka does not
 * acknowledge is retried until it is, or the agent stops (the journal then keeps the work, and the
 * next start sends it again).
 */
@ApplicationScoped
public class RolloutEvents {
  private static final Logger LOG = Logger.getLogger(RolloutEvents.class);

  private final MutinyEmitter<byte[]> rollouts;
  private final Clock clock;
  private final ClusterAgentConfig config;
  private final String source;

  RolloutEvents(
      @Channel("rollouts") MutinyEmitter<byte[]> rollouts, Clock clock, ClusterAgentConfig config) {
    this.rollouts = rollouts;
    this.clock = clock;
    this.config = config;
    this.source = Sources.of("cluster-agent", config.cluster());
  }

  /** This agent's CloudEvents source. */
  public String source() {
    return source;
  }

  /**
   * The event of {@code data} caused by {@code causeKey}: its id derives from both, its time is
   * now.
   */
  public EventEnvelope envelope(String causeKey, RotorEvent data) {
    return EventEnvelope.causedBy(causeKey, data, source, clock);
  }

  /** Sends {@code event} as it is and waits for Kafka's acknowledgement. */
  public void send(EventEnvelope event) {
    Backoff backoff = new Backoff(config.retry().initialBackoff(), config.retry().maxBackoff());
    while (true) {
      Pauses.checkRunning();
      try {
        rollouts.sendMessageAndAwait(KafkaEvents.toMessage(event));
        LOG.debugf(
            "ROTOR-3041 sent %s %s for rotation %s",
            event.type().eventName(), event.id(), event.rotationId());
        return;
      } catch (RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw new AgentStopped();
        }
        LOG.warnf(
            "ROTOR-3042 cannot send %s %s, retrying: %s",
            event.type().eventName(), event.id(), e.getClass().getSimpleName());
        Pauses.pause(backoff.next());
      }
    }
  }
}
