package dev.rotor.manifest.rotation;

import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.manifest.config.ManifestServiceConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Deletes outbox events Kafka acknowledged at least {@code outbox.keep-sent} ago, so the table does
 * not grow without end. Unsent and quarantined events are never deleted.
 *
 * <p>Safe because no decision needs a sent row once its step is over: the sender and the gauges
 * read unsent rows only, and {@link OutboxEntry#holds} (a step that ran twice, e.g. after its lease
 * ran out, writes its event once) matters only while a step can still be under way, seconds after
 * the rotation's status changed in the same transaction as the write. A replayed input is judged by
 * the rotation's status and {@code rotation_input}, never by the outbox (docs/manifest-service.md,
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
          "outbox", "id", "sent_at is not null and sent_at < :before and quarantined_at is null");

  @Inject Clock clock;
  @Inject ManifestServiceConfig config;
  @Inject ManifestMetrics metrics;
  @Inject EntityManager em;

  @Scheduled(
      identity = "rotor-manifest-service-outbox-purge",
      every = "${rotor.manifest-service.outbox.purge-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void scheduled() {
    purge();
  }

  /** Deletes the sent events older than {@code outbox.keep-sent} by the clock; how many. */
  public long purge() {
    Instant before =
        clock.instant().truncatedTo(ChronoUnit.MILLIS).minus(config.outbox().keepSent());
    long deleted = Purges.run(em, DELETE, Map.of("before", before));
    if (deleted > 0) {
      metrics.outboxPurged(deleted);
      LOG.infof(
          "ROTOR-2092 purged %d sent event(s) from the outbox, acknowledged by Kafka before %s"
              + " (outbox.keep-sent %s)",
          deleted, before, config.outbox().keepSent());
    }
    return deleted;
  }
}
