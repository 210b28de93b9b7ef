package dev.rotor.verifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.verifier.soak.SoakService;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code rotor.keys} and {@code rotor.manifests}: what the record of a completed rotation needs
 * (requester, approvers, the new and the previous key), and the rollback commit that ends a
 * rotation once every cluster rolled back.
 */
@ApplicationScoped
public class ManifestsConsumer {
  private static final Logger LOG = Logger.getLogger(ManifestsConsumer.class);

  @Inject SoakService soaks;
  @Inject EventIntake intake;
  @Inject Outbox outbox;

  @Incoming("keys")
  @Blocking
  public void consumeKeys(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    if (event.data() instanceof KeyGenerated key) {
      intake.process(record, event, () -> soaks.keyGenerated(event, key));
    } else {
      LOG.debugf(
          "ROTOR-4002 skipping %s %s: not for the verifier", event.type().eventName(), event.id());
    }
  }

  @Incoming("manifests")
  @Blocking
  public void consumeManifests(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    var data = event.data();
    if (data instanceof ManifestProposed proposed) {
      intake.process(record, event, () -> soaks.manifestProposed(event, proposed));
    } else if (data instanceof ManifestApproved approved) {
      intake.process(record, event, () -> soaks.manifestApproved(event, approved));
    } else if (data instanceof ManifestRolledBack rolledBack) {
      intake.process(record, event, () -> soaks.manifestRolledBack(event, rolledBack));
    } else if (data instanceof RotationFailed failed) {
      intake.process(record, event, () -> soaks.rotationFailed(event, failed));
    } else {
      LOG.debugf(
          "ROTOR-4002 skipping %s %s: not for the verifier", event.type().eventName(), event.id());
      return;
    }
    outbox.sendPending();
  }
}
