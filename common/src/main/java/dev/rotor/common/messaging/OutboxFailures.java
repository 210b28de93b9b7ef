package dev.rotor.common.messaging;

import dev.rotor.common.event.EventDecodingException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Why an outbox row could not be sent, so that one row the broker will never take does not hold up
 * every row behind it, while an unreachable broker holds them all (in order) until it is back.
 *
 * <ul>
 *   <li>{@link Kind#PERMANENT}: the row itself is the problem and sending it again gives the same
 *       answer: its stored event does not decode, or Kafka refused the record as too large, invalid
 *       or not serializable. The sender quarantines it.
 *   <li>{@link Kind#TRANSIENT}: nothing is wrong with the row: a timeout, a retriable broker error,
 *       the database away, the sender's credentials or ACLs, an unknown topic name or broker
 *       version, or the sender's own state (a closed or cancelled emitter or producer), all of
 *       which refuse every row alike. The sender tries again later, however often.
 *   <li>{@link Kind#UNKNOWN}: anything else. The sender tries again, but counts the failures and
 *       quarantines the row once they are {@linkplain #exhausted both many and old enough}.
 * </ul>
 */
public final class OutboxFailures {
  /** At most this many characters of a failure's description are kept as the reason. */
  public static final int MAX_REASON_LENGTH = 500;

  private OutboxFailures() {}

  /** What kind of failure. */
  public enum Kind {
    PERMANENT,
    TRANSIENT,
    UNKNOWN
  }

  /**
   * The kind of {@code failure}, judged by it and its causes: a permanent cause anywhere in the
   * chain makes it permanent, else a transient one makes it transient.
   */
  public static Kind classify(Throwable failure) {
    for (Throwable t = failure; t != null; t = next(t)) {
      if (t instanceof EventDecodingException
          || t instanceof RecordTooLargeException
          || t instanceof RecordBatchTooLargeException
          || t instanceof InvalidRecordException
          || t instanceof SerializationException) {
        return Kind.PERMANENT;
      }
    }
    if (TransientFailures.isTransient(failure)) {
      return Kind.TRANSIENT;
    }
    for (Throwable t = failure; t != null; t = next(t)) {
      if (t instanceof RetriableException
          || t instanceof AuthenticationException
          || t instanceof AuthorizationException
          || t instanceof TimeoutException
          || t instanceof InterruptedException
          || t instanceof InterruptException
          // The sender's own state, not the row: a closed or cancelled emitter or producer
          // (SmallRye's SRMSG errors, Kafka's "producer has been closed").
          || t instanceof IllegalStateException
          || (t instanceof KafkaException && String.valueOf(t.getMessage()).contains("closed"))
          // The topic or the broker, not the row: the same for every row.
          || t instanceof InvalidTopicException
          || t instanceof UnsupportedVersionException
          // Mutiny's await().atMost(...) (not a java.util.concurrent.TimeoutException).
          || t.getClass().getName().equals("io.smallrye.mutiny.TimeoutException")) {
        return Kind.TRANSIENT;
      }
    }
    return Kind.UNKNOWN;
  }

  /**
   * Whether a row whose sends failed {@code attempts} times in a row for an {@link Kind#UNKNOWN}
   * reason, the first of them at {@code firstFailedAt}, is quarantined now: once it failed at least
   * {@code maxAttempts} times and the first failure is at least {@code quarantineAfter} before
   * {@code now}. Senders try a row after every record or round, so a count alone is reached within
   * seconds; the age keeps a short failure of a kind not yet classified, which every row meets
   * alike, from quarantining the rows at the head of the outbox. A null {@code firstFailedAt} (not
   * recorded) counts as {@code now}.
   */
  public static boolean exhausted(
      int attempts, int maxAttempts, Instant firstFailedAt, Duration quarantineAfter, Instant now) {
    Instant since = firstFailedAt == null ? now : firstFailedAt;
    return attempts >= maxAttempts && !since.plus(quarantineAfter).isAfter(now);
  }

  /**
   * A short description of {@code failure} for a log line and the row's quarantine reason: the
   * class and message of its deepest cause, cut to {@link #MAX_REASON_LENGTH}. Rotor's decoding
   * errors and Kafka's record errors name what is wrong, never the record's value.
   */
  public static String describe(Throwable failure) {
    Throwable root = failure;
    while (next(root) != null) {
      root = next(root);
    }
    String text =
        root.getClass().getSimpleName()
            + (root.getMessage() == null ? "" : ": " + root.getMessage());
    return text.length() <= MAX_REASON_LENGTH ? text : text.substring(0, MAX_REASON_LENGTH);
  }

  private static Throwable next(Throwable t) {
    return t.getCause() == t ? null : t.getCause();
  }
}
