package dev.rotor.verifier.events;

import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.verifier.VerifierMetrics;
import dev.rotor.verifier.config.VerifierConfig;
import dev.rotor.verifier.store.Purges;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * Deletes outbox events Kafka acknowledged at least {@code outbox.keep-sent} ago, so the table does
 * not grow without end. Unsent and quarantined events are never deleted.
 *
 * <p>Safe because no decision needs a sent row: the sender, the order check, the quarantine and the
 * gauges read unsent rows only; {@link Outbox#add} reads sent ones to write an event once, but
 * every caller decides under a guard of its own that the purge leaves alone ({@code
 * processed_event} for every input, one soak per rotation, cluster and kind, one verdict per soak,
 * the rotation's outcome), so a replayed input decides nothing again (docs/verifier.md,
 * "Retention").
 *
 * <p>Runs every {@code outbox.purge-interval}, the first time at start-up, in batches of {@value
 * BatchedPurge#DEFAULT_BATCH_SIZE} rows per transaction.
 */
@ApplicationScoped
public class OutboxPurge {
  private static final Logger LOG = Logger.getLogger(OutboxPurge.class);
  private static final String DELETE =
      BatchedPurge.deleteSql(
          "outbox", "seq", "sent_at IS NOT NULL AND sent_at < :before AND quarantined_at IS NULL");

  @Inject Clock clock;
  @Inject VerifierConfig config;
  @Inject VerifierMetrics metrics;

  @Scheduled(
      identity = "rotor-verifier-outbox-purge",
      every = "${rotor.verifier.outbox.purge-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void scheduled() {
    purge();
  }

  /** Deletes the sent events older than {@code outbox.keep-sent} by the clock; how many. */
  public long purge() {
    Instant before =
        clock.instant().truncatedTo(ChronoUnit.MILLIS).minus(config.outbox().keepSent());
    long deleted = Purges.deleteBefore(DELETE, before);
    if (deleted > 0) {
      metrics.outboxPurged(deleted);
      LOG.infof(
          "ROTOR-4064 purged %d sent event(s) from the outbox, acknowledged by Kafka before %s"
              + " (outbox.keep-sent %s)",
          deleted, before, config.outbox().keepSent());
    }
    return deleted;
  }
}
