package dev.rotor.notifier.delivery;

import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.notifier.config.NotifierConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Deletes the delivery records of rotations that ended more than {@code retention.keep} (P100D)
 * ago, so the notifier's tables do not grow without end.
 *
 * <p>The records are what makes a redelivered event post nothing ({@code notifier_delivery}, the
 * queue's unique event and channel), and what later events of a rotation need (its thread, its
 * fingerprint and change request). So a rotation's rows go together, and only when both:
 *
 * <ul>
 *   <li>its newest row is older than {@code retention.keep}: every event of it was read, so written
 *       to its topic, before that, and the topics keep records 90 days, so none can be delivered
 *       again, not even to a group that lost its offsets;
 *   <li>nothing of it waits in a queue, and it ended: an event that ends it ({@link
 *       RotationEvents#endsRotation}: a {@code rotation.completed}, {@code rotation.rolled-back},
 *       {@code rotation.failed}, or a {@code rotation.rejected} other than a {@code DUPLICATE}
 *       answer to another request) was delivered or given up; or it was never admitted here (its
 *       rows, over all channels, are of {@code rotation.requested} and {@code rotation.rejected}
 *       only, e.g. a request that reused the id of a rotation whose rows were purged); or the
 *       notifier keeps nothing of it that later events need (no thread, no {@code
 *       notifier_rotation} row).
 * </ul>
 *
 * Records without a rotation go by age alone, a pending queue row never. Batches of {@value
 * #ROTATIONS_PER_BATCH} rotations, or {@value BatchedPurge#DEFAULT_BATCH_SIZE} rows, per
 * transaction. A batch of rotations runs at {@code REPEATABLE READ} and deletes only what it picked
 * them by; one that meets a concurrent change of them is left for the next run ({@code
 * ROTOR-6102}).
 */
@ApplicationScoped
public class RetentionPurge {
  static final int ROTATIONS_PER_BATCH = 100;
  private static final Logger LOG = Logger.getLogger(RetentionPurge.class);

  /**
   * Events that end a rotation, of a row aliased {@code %1$s}. {@code ends_rotation} is trusted for
   * {@code rotation.rejected} only: it tells a {@code DUPLICATE} answer from the rotation's own
   * rejection, and an older version of the notifier (during a rolling upgrade, or after a rollback
   * of it) writes its default, false, for every event.
   */
  private static final String ENDS =
      "(%1$s.event_type IN ('rotation.completed', 'rotation.rolled-back', 'rotation.failed')"
          + " OR (%1$s.event_type = 'rotation.rejected' AND %1$s.ends_rotation))";

  /**
   * Events a request gets before it is admitted: a rotation with nothing else, over all channels,
   * was never admitted here (an admitted one has a {@code key.generated} and later events).
   */
  private static final String BEFORE_ADMISSION = "('rotation.requested', 'rotation.rejected')";

  private static final String ENDED_ROTATIONS =
      "SELECT rotation_id FROM (SELECT rotation_id, max(t) AS last FROM ("
          + " SELECT rotation_id, delivered_at AS t FROM notifier_delivery"
          + " WHERE rotation_id IS NOT NULL"
          + " UNION ALL SELECT rotation_id, coalesce(finished_at, enqueued_at) FROM notifier_queue"
          + " WHERE rotation_id IS NOT NULL"
          + " UNION ALL SELECT rotation_id, created_at FROM notifier_thread"
          + " UNION ALL SELECT rotation_id, updated_at FROM notifier_rotation) a"
          + " GROUP BY rotation_id) r"
          + " WHERE r.last < :before"
          + " AND (EXISTS (SELECT 1 FROM notifier_delivery d WHERE d.rotation_id = r.rotation_id"
          + " AND "
          + ENDS.formatted("d")
          + ")"
          + " OR EXISTS (SELECT 1 FROM notifier_queue q WHERE q.rotation_id = r.rotation_id"
          + " AND q.state <> 'pending' AND "
          + ENDS.formatted("q")
          + ")"
          // Never admitted: only a request and its rejection, e.g. a request that reused the id of
          // a rotation whose rows were purged (its rotation.requested starts a thread and a
          // notifier_rotation row for that id, its DUPLICATE answer ends nothing).
          + " OR (NOT EXISTS (SELECT 1 FROM notifier_delivery d WHERE d.rotation_id = r.rotation_id"
          + " AND d.event_type NOT IN "
          + BEFORE_ADMISSION
          + ") AND NOT EXISTS (SELECT 1 FROM notifier_queue q WHERE q.rotation_id = r.rotation_id"
          + " AND q.event_type NOT IN "
          + BEFORE_ADMISSION
          + "))"
          // Nothing of it that later events need: only records of events themselves (a DUPLICATE
          // answer naming a rotation the notifier knows nothing else of).
          + " OR (NOT EXISTS (SELECT 1 FROM notifier_thread t WHERE t.rotation_id = r.rotation_id)"
          + " AND NOT EXISTS (SELECT 1 FROM notifier_rotation n"
          + " WHERE n.rotation_id = r.rotation_id)))"
          + " AND NOT EXISTS (SELECT 1 FROM notifier_queue q WHERE q.rotation_id = r.rotation_id"
          + " AND q.state = 'pending')"
          + " ORDER BY r.rotation_id LIMIT :limit";

  /** PostgreSQL's SQLState for "could not serialize access due to concurrent update". */
  private static final String SERIALIZATION_FAILURE = "40001";

  private static final List<String> ROTATION_TABLES =
      List.of("notifier_delivery", "notifier_queue", "notifier_thread", "notifier_rotation");
  private static final String DELIVERIES_WITHOUT_ROTATION =
      BatchedPurge.deleteSql(
          "notifier_delivery", "ctid", "rotation_id IS NULL AND delivered_at < :before");
  private static final String QUEUE_WITHOUT_ROTATION =
      BatchedPurge.deleteSql(
          "notifier_queue",
          "seq",
          "rotation_id IS NULL AND state <> 'pending'"
              + " AND coalesce(finished_at, enqueued_at) < :before");

  @Inject Clock clock;
  @Inject NotifierConfig config;
  @Inject DeliveryMetrics metrics;
  @Inject EntityManager em;

  @Scheduled(
      identity = "rotor-notifier-retention-purge",
      every = "${rotor.notifier.retention.purge-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void scheduled() {
    purge();
  }

  /** Deletes what {@code retention.keep} allows, by the clock; the number of rows deleted. */
  public long purge() {
    Instant before =
        clock.instant().truncatedTo(ChronoUnit.MILLIS).minus(config.retention().keep());
    long[] rows = {0};
    long rotations =
        BatchedPurge.run(
            ROTATIONS_PER_BATCH,
            limit -> {
              int[] batch;
              try {
                batch = QuarkusTransaction.requiringNew().call(() -> rotationBatch(before, limit));
              } catch (RuntimeException e) {
                if (!isSerializationFailure(e)) {
                  throw e;
                }
                // A rotation of the batch changed after the batch was picked (a new event of it):
                // nothing was deleted; the next run looks at it again.
                LOG.debugf(
                    "ROTOR-6102 retention purge batch left for the next run: a rotation of it"
                        + " changed meanwhile (%s)",
                    e.getClass().getSimpleName());
                return 0;
              }
              rows[0] += batch[1];
              return batch[0];
            });
    long ofRotations = rows[0];
    long total =
        ofRotations
            + deleteInBatches(DELIVERIES_WITHOUT_ROTATION, before)
            + deleteInBatches(QUEUE_WITHOUT_ROTATION, before);
    if (total > 0) {
      metrics.purged(total);
      LOG.infof(
          "ROTOR-6101 purged %d delivery record(s) older than %s (retention.keep %s): %d of %d"
              + " rotation(s) that ended, were never admitted or left nothing later events need,"
              + " %d without a rotation",
          total, before, config.retention().keep(), ofRotations, rotations, total - ofRotations);
    }
    return total;
  }

  /**
   * Picks up to {@code limit} rotations whose rows may go and deletes their rows, in the caller's
   * transaction; the number of rotations and of rows.
   *
   * <p>At {@code REPEATABLE READ}, so that every statement sees the snapshot the rotations were
   * picked in: a row of theirs committed after it (a later event of the rotation, a replayed dead
   * letter) is not deleted, and one changed after it (e.g. its {@code notifier_rotation} row) makes
   * the DELETE fail with a serialization failure, the whole batch rolled back. At PostgreSQL's
   * default {@code READ COMMITTED}, each DELETE would see, and delete, what committed since the
   * SELECT.
   */
  private int[] rotationBatch(Instant before, int limit) {
    em.createNativeQuery("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").executeUpdate();
    @SuppressWarnings("unchecked")
    List<Object> ids =
        em.createNativeQuery(ENDED_ROTATIONS)
            .setParameter("before", before)
            .setParameter("limit", limit)
            .getResultList();
    List<String> rotationIds = ids.stream().map(Object::toString).toList();
    int deleted = 0;
    if (!rotationIds.isEmpty()) {
      for (String table : ROTATION_TABLES) {
        deleted +=
            em.createNativeQuery(
                    "DELETE FROM "
                        + table
                        + " WHERE rotation_id IN (:ids)"
                        // Pending rows are never picked; belt and braces.
                        + (table.equals("notifier_queue") ? " AND state <> 'pending'" : ""))
                .setParameter("ids", rotationIds)
                .executeUpdate();
      }
    }
    return new int[] {rotationIds.size(), deleted};
  }

  /** Whether {@code e} comes of PostgreSQL's serialization failure (SQLState 40001). */
  private static boolean isSerializationFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && SERIALIZATION_FAILURE.equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private long deleteInBatches(String sql, Instant before) {
    return BatchedPurge.run(
        BatchedPurge.DEFAULT_BATCH_SIZE,
        limit ->
            QuarkusTransaction.requiringNew()
                .call(
                    () ->
                        em.createNativeQuery(sql)
                            .setParameter("before", before)
                            .setParameter("limit", limit)
                            .executeUpdate()));
  }
}
