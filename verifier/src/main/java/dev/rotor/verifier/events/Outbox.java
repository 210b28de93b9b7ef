package dev.rotor.verifier.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.verifier.VerifierMetrics;
import dev.rotor.verifier.config.VerifierConfig;
import dev.rotor.verifier.store.OutboxRecord;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * The transactional outbox of {@code rotor.verifications}: a verdict and the events it causes are
 * written in the transaction that decides it, and sent after the commit, oldest first, so that a
 * target's {@code verification.passed} always precedes its {@code rotation.completed}. What a crash
 * or an unreachable broker left unsent goes out on the next tick; a re-send carries the same event
 * id, which consumers recognise as a duplicate.
 */
@ApplicationScoped
public class Outbox {
  private static final Logger LOG = Logger.getLogger(Outbox.class);

  @Inject
  @Channel("verifications")
  MutinyEmitter<byte[]> verifications;

  @Inject Clock clock;
  @Inject VerifierConfig config;
  @Inject VerifierMetrics metrics;

  private final ReentrantLock sending = new ReentrantLock();

  /** Adds {@code event} to the outbox, in the caller's transaction. */
  public void add(EventEnvelope event) {
    if (OutboxRecord.count("eventId", event.id()) == 0) {
      OutboxRecord.of(event, clock.instant()).persist();
    }
  }

  /**
   * Sends every unsent event, oldest first, each in its own transaction that holds the row locked
   * while it is sent; stops at the first that cannot be sent (it stays for the next tick). Call it
   * outside a transaction, after the commit.
   */
  public void sendPending() {
    if (!sending.tryLock()) {
      return; // another thread is sending; it takes what this one would have
    }
    try {
      while (sendOldest()) {
        // next
      }
      metrics.outboxUnsent(
          QuarkusTransaction.requiringNew().call(() -> OutboxRecord.count("sentAt is null")));
    } finally {
      sending.unlock();
    }
  }

  /** Sends the oldest unsent event; whether there was one and it went out. */
  private boolean sendOldest() {
    try {
      return QuarkusTransaction.requiringNew()
          .timeout((int) config.outbox().sendTimeout().toSeconds() + 30)
          .call(this::sendOldestLocked);
    } catch (RuntimeException e) {
      LOG.warnf(
          "ROTOR-4050 an event could not be sent to Kafka (%s); it is sent again on the next tick",
          describe(e));
      return false;
    }
  }

  private boolean sendOldestLocked() {
    @SuppressWarnings("unchecked")
    List<OutboxRecord> rows =
        OutboxRecord.getEntityManager()
            .createNativeQuery(
                "SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1 FOR UPDATE"
                    + " SKIP LOCKED",
                OutboxRecord.class)
            .getResultList();
    if (rows.isEmpty()) {
      return false;
    }
    OutboxRecord row = rows.get(0);
    if (OutboxRecord.count("sentAt is null and seq < ?1", row.seq) > 0) {
      return false; // an older event is being sent by someone else: keep the order
    }
    EventEnvelope event = row.toEnvelope();
    // Sent after the commit or on a later tick: the stored trace context is the send's parent.
    verifications
        .sendMessage(TraceContext.asParentOf(KafkaEvents.toMessage(event), row.traceContext()))
        .await()
        .atMost(config.outbox().sendTimeout());
    row.sentAt = clock.instant();
    LOG.debugf(
        "ROTOR-4051 sent %s %s of %s", event.type().eventName(), event.id(), event.subject());
    return true;
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
