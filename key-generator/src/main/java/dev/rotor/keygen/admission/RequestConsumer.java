package dev.rotor.keygen.admission;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.keygen.outbox.EventTooLargeException;
import dev.rotor.keygen.outbox.Outbox;
import io.smallrye.reactive.messaging.annotations.Blocking;
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
 *
 * <p>Requests are decided concurrently, on the worker pool {@value #POOL} (at most {@code
 * smallrye.messaging.worker.rotor-key-generator-requests.max-concurrency} at once, 4 by default):
 * each one is a transaction and a Kafka acknowledgement to wait for, so deciding them one after the
 * other left the CPU idle and a fleet's keys queued. Requests for one target need no order between
 * them: the in-flight guard is a unique index, so of two requests decided at once exactly one is
 * admitted and the other, retried, is rejected as {@code IN_FLIGHT}, as when two instances of the
 * key-generator decide them. Offsets are committed once every earlier record is done.
 */
@ApplicationScoped
public class RequestConsumer {
  private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

  @Inject RequestProcessor processor;
  @Inject Outbox outbox;

  /** The worker pool requests are decided on. */
  public static final String POOL = "rotor-key-generator-requests";

  @Incoming("requests")
  @Blocking(value = POOL, ordered = false)
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
      LOG.warnf(
          "ROTOR-1013 request %s (rotation %s of %s from %s) goes to the dead-letter topic: %s",
          event.id(), request.rotationId(), request.targetId(), event.source(), e.getMessage());
      throw IncomingEvents.deadLetter(record, e);
    } catch (EventTooLargeException e) {
      // Never expected: admission's answers are short and start-up checks every key.generated.
      LOG.errorf(
          "ROTOR-1092 request %s (rotation %s of %s) is not decided: %s; it goes to the"
              + " dead-letter topic",
          event.id(), request.rotationId(), request.targetId(), e.getMessage());
      throw IncomingEvents.deadLetter(
          record, new DeadLetterException("ANSWER_TOO_LARGE", "answer: " + e.getMessage()));
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
