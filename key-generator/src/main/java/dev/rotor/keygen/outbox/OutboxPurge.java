package dev.rotor.keygen.outbox;

import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.keygen.Instants;
import dev.rotor.keygen.KeyGeneratorConfig;
import dev.rotor.keygen.KeyGeneratorMetrics;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Deletes outbox rows Kafka acknowledged at least {@code outbox.keep-sent} ago, so that the sealed
 * key material of {@code key.generated} does not stay in the database for ever and the table does
 * not grow without end. Unsent and quarantined rows are never deleted.
 *
 * <p>Safe because no decision reads a sent row: the relay and {@link Outbox#unsentCausedBy} read
 * unsent ones only, and a request delivered again after its answer was purged is recognised by its
 * rotation row (request event id, source and digest), which is never purged: it changes nothing and
 * sends nothing (docs/key-generator.md, "Retention").
 *
 * <p>Runs every {@code outbox.purge-interval}, the first time at start-up, in batches of {@value
 * BatchedPurge#DEFAULT_BATCH_SIZE} rows per transaction.
 */
@ApplicationScoped
public class OutboxPurge {
  private static final Logger LOG = Logger.getLogger(OutboxPurge.class);

  /**
   * Sent, not quarantined, and old enough: {@code keep-sent} when nothing needs the row to know the
   * event's cause again (no cause: the cadence's events, whose claim is {@code cadence_event}; or a
   * cause the rotation table records as a request), {@code keep-sent-unrecorded} otherwise (a
   * {@code DUPLICATE} answer: its row is the only record of the request).
   */
  private static final String DELETE =
      BatchedPurge.deleteSql(
          "outbox",
          "event_id",
          "sent_at IS NOT NULL AND quarantined_at IS NULL AND (sent_at < :beforeUnrecorded OR"
              + " (sent_at < :before AND (cause_event_id IS NULL OR EXISTS (SELECT 1 FROM"
              + " rotation r WHERE r.request_event_id = outbox.cause_event_id))))");

  @Inject Clock clock;
  @Inject KeyGeneratorConfig config;
  @Inject KeyGeneratorMetrics metrics;

  @Scheduled(
      identity = "rotor-key-generator-outbox-purge",
      every = "${rotor.key-generator.outbox.purge-interval}",
      // Not at start-up: during a rolling upgrade the old instances still judge redeliveries by
      // the outbox alone; one interval later they are gone.
      delayed = "${rotor.key-generator.outbox.purge-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void scheduled() {
    purge();
  }

  /**
   * Deletes the sent rows older than {@code outbox.keep-sent} by the service's clock, and returns
   * how many.
   */
  public long purge() {
    Instant now = Instants.now(clock);
    Instant before = now.minus(config.outbox().keepSent());
    Instant beforeUnrecorded = now.minus(config.outbox().keepSentUnrecorded());
    long deleted =
        BatchedPurge.run(
            BatchedPurge.DEFAULT_BATCH_SIZE,
            limit ->
                QuarkusTransaction.requiringNew()
                    .call(
                        () ->
                            OutboxEvent.getEntityManager()
                                .createNativeQuery(DELETE)
                                .setParameter("before", before)
                                .setParameter("beforeUnrecorded", beforeUnrecorded)
                                .setParameter("limit", limit)
                                .executeUpdate()));
    if (deleted > 0) {
      metrics.outboxPurged(deleted);
      LOG.infof(
          "ROTOR-1093 purged %d sent event(s) from the outbox, acknowledged by Kafka before %s"
              + " (outbox.keep-sent %s; %s for answers no rotation records)",
          deleted, before, config.outbox().keepSent(), config.outbox().keepSentUnrecorded());
    }
    return deleted;
  }
}
