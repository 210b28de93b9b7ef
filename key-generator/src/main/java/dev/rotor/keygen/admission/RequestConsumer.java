package dev.rotor.keygen.admission;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.keygen.outbox.Outbox;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code rotor.requests}: every {@code rotation.requested} is admitted (a key, {@code
 * key.generated}) or refused ({@code rotation.rejected}) on {@code rotor.keys}. A record that is
 * not a valid event goes to {@code rotor.dlq} with its reason and the consumer goes on.
 */
@ApplicationScoped
public class RequestConsumer {
  private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

  @Inject RequestProcessor processor;
  @Inject Outbox outbox;

  @Incoming("requests")
  @Blocking
  public void consume(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    if (!(event.data() instanceof RotationRequested request)) {
      LOG.debugf(
          "ROTOR-1002 skipping %s %s: not for this consumer", event.type().eventName(), event.id());
      return;
    }
    List<String> toSend;
    try {
      toSend = processor.process(event, request);
    } catch (DeadLetterException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "ROTOR-1090 request %s (rotation %s of %s) could not be processed after retries; it goes"
              + " to the dead-letter topic, replay it once the database is reachable",
          event.id(),
          request.rotationId(),
          request.targetId());
      throw IncomingEvents.deadLetter(
          record,
          new DeadLetterException(
              "UNAVAILABLE",
              "request could not be processed after retries ("
                  + e.getClass().getSimpleName()
                  + "); replay it once the key-generator's database is reachable"));
    }
    outbox.send(toSend);
  }
}
