package dev.rotor.common.retention;

/**
 * Deletes in bounded batches, each in its own transaction, until a batch deletes fewer rows than
 * its limit: the first purge after an upgrade, with months of rows to go, never holds a long lock
 * or a long transaction, and the service's other work goes on between the batches.
 *
 * <p>A batch is one statement such as {@link #deleteSql}'s, run by the caller in a new transaction.
 * The loop stops at the first short batch, so rows that become old enough while it runs wait for
 * the next run, and a run always ends. A purge that keeps the rows but clears part of them uses
 * {@link #updateSql}, whose {@code set} must make a row no longer match its {@code where} (or the
 * loop would pick the same rows again).
 */
public final class BatchedPurge {
  /**
   * How long a consumed event may still be read again from its topic: the topics keep records 90
   * days ({@code retention.ms}), but Kafka deletes a log segment only once its newest record is
   * that old, and a segment rolls every 7 days by default ({@code segment.ms}), so a record may
   * last ~97 days; one more day of margin. A record of what was consumed (a duplicate check) must
   * outlive this, or a consumer that lost its offsets and reads a topic from the start could act
   * twice.
   */
  public static final java.time.Duration REDELIVERY_HORIZON = java.time.Duration.ofDays(98);

  /** Rows deleted per transaction unless a service says otherwise. */
  public static final int DEFAULT_BATCH_SIZE = 1000;

  private BatchedPurge() {}

  /**
   * One batch: deletes (or clears, {@link #updateSql}) at most {@code limit} rows, in its own
   * transaction, and says how many.
   */
  @FunctionalInterface
  public interface Batch {
    int delete(int limit);
  }

  /**
   * Runs {@code batch} with limit {@code batchSize} until it deletes fewer than that, and returns
   * the rows deleted in all. A failing batch ends the run with its exception; the batches before it
   * have committed.
   */
  public static long run(int batchSize, Batch batch) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    long total = 0;
    while (true) {
      int deleted = batch.delete(batchSize);
      if (deleted < 0 || deleted > batchSize) {
        throw new IllegalStateException(
            "a batch of at most " + batchSize + " rows reported " + deleted + " deleted");
      }
      total += deleted;
      if (deleted < batchSize) {
        return total;
      }
    }
  }

  /**
   * PostgreSQL that deletes at most {@code :limit} rows of {@code table} that match {@code where},
   * picked by their key column {@code key}: {@code WITH batch AS MATERIALIZED (SELECT key FROM
   * table WHERE where LIMIT :limit FOR UPDATE SKIP LOCKED) DELETE FROM table USING batch WHERE key
   * = batch.key}. The batch is chosen once ({@code MATERIALIZED}; a subquery in {@code IN (...)}
   * may be run again by the planner and pick more rows), and rows locked by another transaction are
   * skipped, so the purge never waits on a sender or a consumer. The names are the caller's
   * constants, never input.
   */
  public static String deleteSql(String table, String key, String where) {
    return "WITH batch AS MATERIALIZED (SELECT "
        + key
        + " FROM "
        + table
        + " WHERE "
        + where
        + " LIMIT :limit FOR UPDATE SKIP LOCKED) DELETE FROM "
        + table
        + " USING batch WHERE "
        + table
        + "."
        + key
        + " = batch."
        + key;
  }

  /**
   * PostgreSQL that updates at most {@code :limit} rows of {@code table} that match {@code where},
   * picked by their key column {@code key} as {@link #deleteSql} picks them: {@code WITH batch AS
   * MATERIALIZED (SELECT key FROM table WHERE where LIMIT :limit FOR UPDATE SKIP LOCKED) UPDATE
   * table SET set FROM batch WHERE table.key = batch.key}. For a purge that keeps the rows and
   * clears what is no longer needed in them; {@code set} must make a row no longer match {@code
   * where}, so that the next batch does not pick it again. Columns in {@code set} are the table's
   * own (unqualified, as PostgreSQL requires). The names are the caller's constants, never input.
   */
  public static String updateSql(String table, String key, String set, String where) {
    return "WITH batch AS MATERIALIZED (SELECT "
        + key
        + " FROM "
        + table
        + " WHERE "
        + where
        + " LIMIT :limit FOR UPDATE SKIP LOCKED) UPDATE "
        + table
        + " SET "
        + set
        + " FROM batch WHERE "
        + table
        + "."
        + key
        + " = batch."
        + key;
  }
}
