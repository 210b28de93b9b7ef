package dev.rotor.common.messaging;

import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.event.EventEnvelope;
import io.micrometer.core.instrument.Metrics;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What every Rotor consumer does first with a record: read the event, or send the record to the
 * dead-letter topic with its reason. Nothing is dropped silently: each refused record is logged
 * (message id {@code ROTOR-0001}) and counted in {@code rotor_dlq_records_total{topic,reason}}.
 */
public final class IncomingEvents {
  /** The Micrometer counter of records sent to the dead-letter topic. */
  public static final String DLQ_COUNTER = "rotor.dlq.records";

  private static final Logger LOG = Logger.getLogger(IncomingEvents.class.getName());

  private IncomingEvents() {}

  /**
   * The event of {@code record}.
   *
   * @throws DeadLetterException if it is not a valid event of the contract; rethrow it from the
   *     {@code @Incoming} method so the connector dead-letters the record
   */
  public static EventEnvelope decode(ConsumerRecord<?, byte[]> record) {
    try {
      return KafkaEvents.fromRecord(record);
    } catch (EventDecodingException e) {
      throw deadLetter(record, new DeadLetterException(e));
    }
  }

  /**
   * Counts and logs a record a consumer refuses for a reason of its own (after decoding), and
   * returns the exception to throw.
   */
  public static DeadLetterException deadLetter(
      ConsumerRecord<?, ?> record, DeadLetterException refusal) {
    Metrics.counter(DLQ_COUNTER, "topic", record.topic(), "reason", refusal.reasonCode())
        .increment();
    LOG.log(
        Level.WARNING,
        "ROTOR-0001 record {0}-{1}@{2} goes to the dead-letter topic: {3}",
        new Object[] {
          record.topic(), record.partition(), Long.toString(record.offset()), refusal.getMessage()
        });
    return refusal;
  }
}
