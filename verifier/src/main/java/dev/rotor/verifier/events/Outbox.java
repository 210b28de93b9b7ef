package dev.rotor.verifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.OutboxFailures;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.verifier.VerifierMetrics;
import dev.rotor.verifier.config.VerifierConfig;
import dev.rotor.verifier.store.OutboxRecord;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The transactional outbox of {@code rotor.verifications}: a verdict and the events it causes are
 * written in the transaction that decides it, and sent after the commit, oldest first, so that a
 * target's {@code verification.passed} always precedes its {@code rotation.completed}. What a crash
 * or an unreachable broker left unsent goes out on the next tick; a re-send carries the same event
 * id, which consumers recognise as a duplicate.
 *
 * <p>An event that can never be sent does not hold up the others: one that no longer decodes, that
 * Kafka refuses for good ({@link OutboxFailures.Kind#PERMANENT}), or that failed {@code
 * rotor.verifier.outbox.max-attempts} times in a row for a reason not known to be transient, the
 * first of them at least {@code rotor.verifier.outbox.quarantine-after} ago, is quarantined ({@code
 * ROTOR-4052}) and the next one is sent. So that no consumer sees a rotation's later events without
 * it, the later events of the same rotation are quarantined behind it ({@code ROTOR-4053}); other
 * rotations' events go out. A transient failure (a timeout, the broker away) quarantines nothing:
 * every event waits, in order, as before.
 */
@ApplicationScoped
public class Outbox {
  private static final Logger LOG = Logger.getLogger(Outbox.class);

  @Inject VerificationsTopic verifications;
  @Inject Clock clock;
  @Inject VerifierConfig config;
  @Inject VerifierMetrics metrics;

  private final ReentrantLock sending = new ReentrantLock();

  /** Adds {@code event} to the outbox, in the caller's transaction. */
  public void add(EventEnvelope event) {
    if (OutboxRecord.countWhere("o.eventId = ?1", event.id()) == 0) {
      OutboxRecord.of(event, clock.instant()).persist();
    }
  }

  /**
   * Sends every unsent event, oldest first, each in its own transaction that holds the row locked
   * while it is sent; quarantines those that cannot be sent; stops at the first that fails for a
   * reason that may pass (it stays for the next tick). Call it outside a transaction, after the
   * commit.
   */
  public void sendPending() {
    if (!sending.tryLock()) {
      return; // another thread is sending; it takes what this one would have
    }
    try {
      while (sendOldest()) {
        // next
      }
      long[] counts =
          QuarkusTransaction.requiringNew()
              .call(
                  () ->
                      new long[] {
                        OutboxRecord.countWhere("o.sentAt is null and o.quarantinedAt is null"),
                        OutboxRecord.countWhere("o.sentAt is null and o.quarantinedAt is not null")
                      });
      metrics.outbox(counts[0], counts[1]);
    } finally {
      sending.unlock();
    }
  }

  /** Sends or quarantines the oldest unsent event; whether the next one may follow now. */
  private boolean sendOldest() {
    try {
      return QuarkusTransaction.requiringNew()
          .timeout((int) config.outbox().sendTimeout().toSeconds() + 30)
          .call(this::sendOldestLocked);
    } catch (RuntimeException e) {
      LOG.warnf(
          "ROTOR-4050 an event could not be sent to Kafka (%s); it is sent again on the next tick",
          OutboxFailures.describe(e));
      return false;
    }
  }

  private boolean sendOldestLocked() {
    @SuppressWarnings("unchecked")
    List<OutboxRecord> rows =
        OutboxRecord.getEntityManager()
            .createNativeQuery(
                "SELECT * FROM outbox WHERE sent_at IS NULL AND quarantined_at IS NULL ORDER BY seq"
                    + " LIMIT 1 FOR UPDATE SKIP LOCKED",
                OutboxRecord.class)
            .getResultList();
    if (rows.isEmpty()) {
      return false;
    }
    OutboxRecord row = rows.get(0);
    if (OutboxRecord.countWhere(
            "o.sentAt is null and o.quarantinedAt is null and o.seq < ?1", row.seq)
        > 0) {
      return false; // an older event is being sent by someone else: keep the order
    }
    Long blocker = quarantinedBefore(row);
    if (blocker != null) {
      quarantine(row, "follows quarantined row " + blocker);
      LOG.warnf(
          "ROTOR-4053 outbox row %d (%s, rotation %s) quarantined: it follows quarantined row %d"
              + " of the same rotation",
          row.seq, row.type, row.rotationId, blocker);
      return true;
    }
    EventEnvelope event;
    Message<byte[]> message;
    try {
      event = row.toEnvelope();
      // Sent after the commit or on a later tick: the stored trace context is the send's parent.
      message = TraceContext.asParentOf(KafkaEvents.toMessage(event), row.traceContext());
    } catch (RuntimeException e) {
      quarantineForGood(row, "cannot be read: " + OutboxFailures.describe(e));
      return true;
    }
    try {
      verifications.send(message, config.outbox().sendTimeout());
    } catch (RuntimeException e) {
      switch (OutboxFailures.classify(e)) {
        case PERMANENT -> {
          quarantineForGood(row, "refused by Kafka: " + OutboxFailures.describe(e));
          return true;
        }
        case TRANSIENT -> throw e;
        default -> {
          Instant now = clock.instant();
          row.attempts++;
          if (row.attempts == 1 || row.firstFailedAt == null) {
            row.firstFailedAt = now;
          }
          VerifierConfig.Outbox limits = config.outbox();
          if (OutboxFailures.exhausted(
              row.attempts,
              limits.maxAttempts(),
              row.firstFailedAt,
              limits.quarantineAfter(),
              now)) {
            quarantineForGood(
                row,
                "failed "
                    + row.attempts
                    + " times since "
                    + row.firstFailedAt
                    + ", last: "
                    + OutboxFailures.describe(e));
            return true;
          }
          LOG.warnf(
              "ROTOR-4050 outbox row %d (%s, rotation %s) could not be sent to Kafka (%s, attempt"
                  + " %d since %s; quarantined after %d attempts and %s); it is sent again on the"
                  + " next tick",
              row.seq,
              row.type,
              row.rotationId,
              OutboxFailures.describe(e),
              row.attempts,
              row.firstFailedAt,
              limits.maxAttempts(),
              limits.quarantineAfter());
          return false; // the attempt is counted: this transaction commits
        }
      }
    }
    row.sentAt = clock.instant();
    LOG.debugf(
        "ROTOR-4051 sent %s %s of %s", event.type().eventName(), event.id(), event.subject());
    return true;
  }

  /** The oldest quarantined, unsent row of {@code row}'s rotation before it, or null. */
  private static Long quarantinedBefore(OutboxRecord row) {
    if (row.rotationId == null) {
      return null;
    }
    return OutboxRecord.<OutboxRecord>find(
            "rotationId = ?1 and sentAt is null and quarantinedAt is not null and seq < ?2"
                + " order by seq",
            row.rotationId,
            row.seq)
        .firstResultOptional()
        .map(r -> r.seq)
        .orElse(null);
  }

  private void quarantineForGood(OutboxRecord row, String reason) {
    quarantine(row, reason);
    // Never the payload: the row's id, type and rotation, and what failed.
    LOG.errorf(
        "ROTOR-4052 outbox row %d (%s, rotation %s) quarantined, it is not sent again unless"
            + " re-queued (docs/verifier.md); the events after it are sent: %s",
        row.seq, row.type, row.rotationId, row.quarantineReason);
  }

  private void quarantine(OutboxRecord row, String reason) {
    row.quarantinedAt = clock.instant();
    row.quarantineReason = reason;
  }
}
