package dev.rotor.keygen.rotation;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code rotor.verifications} and {@code rotor.manifests} for the events that end a rotation
 * ({@code rotation.completed}, {@code rotation.rolled-back}, {@code rotation.failed}) and releases
 * the target's in-flight guard. Every other event on those topics is skipped (logged at debug). A
 * record that is not a valid event, or a terminal event from a source that may not produce it, goes
 * to {@code rotor.dlq} and releases nothing.
 */
@ApplicationScoped
public class OutcomeConsumer {
  private static final Logger LOG = Logger.getLogger(OutcomeConsumer.class);

  @Inject RotationGuard guard;
  @Inject OutcomeProgress progress;

  @Incoming(OutcomeProgress.CHANNEL)
  @Blocking
  public void consume(ConsumerRecord<String, byte[]> record) {
    try {
      handle(record);
    } finally {
      // Skipped, recorded or dead-lettered: a request waiting for this record waits no more.
      progress.handled(record.topic(), record.partition(), record.offset());
    }
  }

  private void handle(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    RotationStatus status = terminalStatus(event.data());
    if (status == null) {
      LOG.debugf(
          "ROTOR-1002 skipping %s %s: not an event that ends a rotation",
          event.type().eventName(), event.id());
      return;
    }
    try {
      guard.release(event, status);
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "ROTOR-1091 %s %s could not be recorded after retries; it goes to the dead-letter topic,"
              + " replay it once the database is reachable (until then rotation %s holds the guard"
              + " of %s)",
          event.type().eventName(),
          event.id(),
          event.rotationId(),
          event.subject());
      throw IncomingEvents.deadLetter(
          record,
          new DeadLetterException(
              "UNAVAILABLE",
              "terminal event could not be recorded after retries ("
                  + e.getClass().getSimpleName()
                  + "); replay it once the key-generator's database is reachable"));
    }
  }

  private static RotationStatus terminalStatus(RotorEvent data) {
    if (data instanceof RotationCompleted) {
      return RotationStatus.COMPLETED;
    }
    if (data instanceof RotationRolledBack) {
      return RotationStatus.ROLLED_BACK;
    }
    if (data instanceof RotationFailed) {
      return RotationStatus.FAILED;
    }
    return null;
  }
}
