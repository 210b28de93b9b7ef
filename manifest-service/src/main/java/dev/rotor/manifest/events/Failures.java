package dev.rotor.manifest.events;

import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.TransientFailures;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Runs a consumer's work for one record, each try in a transaction of its own. A failure that says
 * nothing about the record (the database away, a deadlock: {@link TransientFailures}) is tried
 * again in place with a growing pause, holding the partition, so that a database outage loses no
 * approval; the record's event id makes a second try change nothing twice. Any other failure is
 * logged with its cause and the connector dead-letters the record with the exception's message.
 */
final class Failures {
  private static final Logger LOG = Logger.getLogger(Failures.class);
  private static final Duration FIRST_PAUSE = Duration.ofMillis(200);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(10);

  private Failures() {}

  static void guard(ConsumerRecord<?, ?> record, Runnable work) {
    Duration pause = FIRST_PAUSE;
    for (int attempt = 1; ; attempt++) {
      try {
        QuarkusTransaction.requiringNew().run(work);
        return;
      } catch (DeadLetterException e) {
        throw e;
      } catch (RuntimeException e) {
        if (!TransientFailures.isTransient(e)) {
          LOG.errorf(
              e,
              "ROTOR-2029 record %s-%d@%d could not be processed: %s",
              record.topic(),
              record.partition(),
              record.offset(),
              e.getMessage());
          throw e;
        }
        LOG.warnf(
            "ROTOR-2028 record %s-%d@%d: the database failed (%s), try %d; trying again in %d ms",
            record.topic(),
            record.partition(),
            record.offset(),
            e.getClass().getSimpleName(),
            attempt,
            pause.toMillis());
        try {
          Thread.sleep(pause.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pause =
            pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
                ? LONGEST_PAUSE
                : pause.multipliedBy(2);
      }
    }
  }
}
