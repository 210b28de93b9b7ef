package dev.rotor.manifest.events;

import dev.rotor.common.messaging.DeadLetterException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Logs, with its cause, a failure of a consumer that is not a dead-letter decision of its own; the
 * connector then dead-letters the record with the exception's message and goes on.
 */
final class Failures {
  private static final Logger LOG = Logger.getLogger(Failures.class);

  private Failures() {}

  static void guard(ConsumerRecord<?, ?> record, Runnable work) {
    try {
      work.run();
    } catch (DeadLetterException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "ROTOR-2029 record %s-%d@%d could not be processed: %s",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      throw e;
    }
  }
}
