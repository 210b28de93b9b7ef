package dev.rotor.verifier.soak;

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
 * Deletes the ids of events processed at least {@code processed-events.keep} (P100D) ago, so {@code
 * processed_event} does not grow without end.
 *
 * <p>An id is what makes a redelivered event change nothing ({@code SoakService.firstTime}), so it
 * goes only once the event cannot be delivered again: an event was written to its topic before it
 * was processed, and the topics keep records 90 days (up to 97: {@code
 * BatchedPurge.REDELIVERY_HORIZON}), so at least 98 days after it was processed no consumer, not
 * even one that lost its offsets, reads it again. The table has no rotation id, so the rule is by
 * age alone; the verifier's other guards (one soak per rotation, cluster and kind, one verdict per
 * soak, the rotation's outcome) stay and still refuse a second decision, e.g. for a dead letter
 * replayed by hand from {@code rotor.dlq} (kept a year) (docs/verifier.md, "Retention").
 */
@ApplicationScoped
public class ProcessedEventPurge {
  private static final Logger LOG = Logger.getLogger(ProcessedEventPurge.class);
  private static final String DELETE =
      BatchedPurge.deleteSql("processed_event", "event_id", "processed_at < :before");

  @Inject Clock clock;
  @Inject VerifierConfig config;
  @Inject VerifierMetrics metrics;

  @Scheduled(
      identity = "rotor-verifier-processed-event-purge",
      every = "${rotor.verifier.processed-events.purge-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void scheduled() {
    purge();
  }

  /** Deletes the ids processed before {@code processed-events.keep} ago by the clock; how many. */
  public long purge() {
    Instant before =
        clock.instant().truncatedTo(ChronoUnit.MILLIS).minus(config.processedEvents().keep());
    long deleted = Purges.deleteBefore(DELETE, before);
    if (deleted > 0) {
      metrics.processedEventsPurged(deleted);
      LOG.infof(
          "ROTOR-4065 purged the ids of %d event(s) processed before %s (processed-events.keep"
              + " %s)",
          deleted, before, config.processedEvents().keep());
    }
    return deleted;
  }
}
