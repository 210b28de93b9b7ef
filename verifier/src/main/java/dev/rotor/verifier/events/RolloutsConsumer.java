package dev.rotor.verifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.verifier.soak.SoakScheduler;
import dev.rotor.verifier.soak.SoakService;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code rotor.rollouts}: a promote rollout starts a stage's soak, a rollback starts the rollback
 * check (their first round runs at once), a failed rollback fails the rotation; {@code
 * rollout.started} tells when the baseline ends.
 */
@ApplicationScoped
public class RolloutsConsumer {
  private static final Logger LOG = Logger.getLogger(RolloutsConsumer.class);

  @Inject SoakService soaks;
  @Inject EventIntake intake;
  @Inject Outbox outbox;
  @Inject SoakScheduler scheduler;

  @Incoming("rollouts")
  @Blocking
  public void consume(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    var data = event.data();
    boolean soakMayStart = false;
    if (data instanceof RolloutStarted started) {
      intake.process(record, event, () -> soaks.rolloutStarted(event, started));
    } else if (data instanceof RolloutCompleted done) {
      intake.process(record, event, () -> soaks.rolloutCompleted(event, done));
      soakMayStart = true;
    } else if (data instanceof RollbackCompleted done) {
      intake.process(record, event, () -> soaks.rollbackCompleted(event, done));
      soakMayStart = true;
    } else if (data instanceof RollbackFailed failed) {
      intake.process(record, event, () -> soaks.rollbackFailed(event, failed));
    } else {
      LOG.debugf(
          "ROTOR-4002 skipping %s %s: not for the verifier", event.type().eventName(), event.id());
      return;
    }
    outbox.sendPending();
    if (soakMayStart) {
      scheduler.wake(); // its first round now, not at the next tick
    }
  }
}
