package dev.rotor.manifest.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.manifest.rotation.ManifestMetrics;
import dev.rotor.manifest.rotation.RotationRecord;
import dev.rotor.manifest.rotation.RotationStore;
import dev.rotor.manifest.rotation.WorkArrived;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code rotor.keys}: a {@code key.generated} starts a rotation here. The rotation is recorded
 * (once: a redelivered event finds it) and the worker writes the change.
 */
@ApplicationScoped
public class KeysConsumer {
  private static final Logger LOG = Logger.getLogger(KeysConsumer.class);

  private final RotationStore store;
  private final Event<WorkArrived> work;
  private final ManifestMetrics metrics;
  private final Clock clock;

  public KeysConsumer(
      RotationStore store, Event<WorkArrived> work, ManifestMetrics metrics, Clock clock) {
    this.store = store;
    this.work = work;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Incoming("keys")
  @Blocking
  public void consume(ConsumerRecord<String, byte[]> record) {
    Failures.guard(record, () -> process(record));
  }

  private void process(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    if (!(event.data() instanceof KeyGenerated key)) {
      LOG.debugf("ROTOR-2020 skipping %s %s: not for this consumer", event.type(), event.id());
      return;
    }
    metrics.received(event.type().eventName());
    if (store.create(event, key, clock.instant())) {
      LOG.infof(
          "ROTOR-2021 rotation %s of %s received (key %s, requested by %s): proposing",
          key.rotationId(), key.targetId(), key.keyId(), key.requestedBy());
      work.fire(new WorkArrived(key.rotationId()));
      return;
    }
    RotationRecord known = store.find(key.rotationId()).orElseThrow();
    if (known.keyEventId.equals(event.id())) {
      LOG.debugf(
          "ROTOR-2022 key.generated %s for rotation %s was processed before: nothing to do",
          event.id(), key.rotationId());
      return;
    }
    throw IncomingEvents.deadLetter(
        record,
        new DeadLetterException(
            "DUPLICATE_ROTATION",
            "rotationId: rotation "
                + key.rotationId()
                + " already has a key (from event "
                + known.keyEventId
                + "); a second key for one rotation is refused"));
  }
}
