package dev.rotor.verifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.verifier.soak.SoakService;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code rotor.approvals}: a person forcing promotion past an inconclusive stage ({@code
 * rotation.approved} with {@code force}). Rollback requests are the manifest-service's.
 */
@ApplicationScoped
public class ApprovalsConsumer {
  private static final Logger LOG = Logger.getLogger(ApprovalsConsumer.class);

  @Inject SoakService soaks;
  @Inject EventIntake intake;
  @Inject Outbox outbox;

  @Incoming("approvals")
  @Blocking
  public void consume(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    if (!(event.data() instanceof RotationApproved approved)) {
      LOG.debugf(
          "ROTOR-4002 skipping %s %s: not for the verifier", event.type().eventName(), event.id());
      return;
    }
    intake.process(record, event, () -> soaks.rotationApproved(event, approved));
    outbox.sendPending();
  }
}
