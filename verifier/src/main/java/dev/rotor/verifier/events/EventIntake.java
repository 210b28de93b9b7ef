package dev.rotor.verifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PessimisticLockException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Processes one decoded event: retries what failed for a passing reason (the database restarting, a
 * lock, a concurrent insert of the same row) with a growing pause, so the record is neither lost
 * nor dead-lettered while PostgreSQL is away; dead-letters what the verifier refuses, or what fails
 * for any other reason, with the reason, and the consumer goes on.
 */
@ApplicationScoped
public class EventIntake {
  private static final Logger LOG = Logger.getLogger(EventIntake.class);
  private static final Duration FIRST_PAUSE = Duration.ofMillis(200);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  public void process(ConsumerRecord<?, byte[]> record, EventEnvelope event, Runnable work) {
    Duration pause = FIRST_PAUSE;
    for (int attempt = 1; ; attempt++) {
      try {
        work.run();
        return;
      } catch (DeadLetterException e) {
        throw e;
      } catch (EventRefused e) {
        throw IncomingEvents.deadLetter(record, new DeadLetterException(e.code(), e.getMessage()));
      } catch (RuntimeException e) {
        if (!isTransient(e)) {
          LOG.errorf(
              e,
              "ROTOR-4005 %s %s could not be processed; it goes to the dead-letter topic",
              event.type().eventName(),
              event.id());
          throw IncomingEvents.deadLetter(
              record,
              new DeadLetterException(
                  "PROCESSING_FAILED",
                  "the verifier failed on it: " + e.getClass().getSimpleName()));
        }
        LOG.warnf(
            "ROTOR-4004 %s %s: %s (attempt %d); trying again in %d ms",
            event.type().eventName(), event.id(), rootMessage(e), attempt, pause.toMillis());
        try {
          Thread.sleep(pause.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while retrying " + event.id(), e);
        }
        pause =
            pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0
                ? LONGEST_PAUSE
                : pause.multipliedBy(2);
      }
    }
  }

  /** Whether {@code e} may pass: the database away or busy, a lock, a concurrent duplicate. */
  static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLTransientException
          || t instanceof OptimisticLockException
          || t instanceof PessimisticLockException
          || t instanceof LockTimeoutException
          || t instanceof org.hibernate.exception.JDBCConnectionException
          || t instanceof org.hibernate.exception.LockAcquisitionException) {
        return true;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (state == null) {
          if (sql.getMessage() != null && sql.getMessage().contains("Acquisition timeout")) {
            return true;
          }
        } else if (state.startsWith("08")
            || state.startsWith("40")
            || state.startsWith("53")
            || state.startsWith("57")
            || state.equals("23505")) {
          return true;
        }
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
