package dev.rotor.common.retention;

/**
 * Deletes in bounded batches, each in its own transaction, until a batch deletes fewer rows than
 * its limit: the first purge after an upgrade, with months of rows to go, never holds a long lock
 * or a long transaction, and the service's other work goes on between the batches.
 *
 * <p>A batch is one statement such as {@link #deleteSql}'s, run by the caller in a new transaction.
 * The loop stops at the first short batch, so rows that become old enough while it runs wait for
 * the next run, and a run always ends.
 */
public final class BatchedPurge {
  /** Rows deleted per transaction unless a service says otherwise. */
  public static final int DEFAULT_BATCH_SIZE = 1000;

  private BatchedPurge() {}

  /** One batch: deletes at most {@code limit} rows, in its own transaction, and says how many. */
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
   * picked by their key column {@code key}: {@code DELETE FROM table WHERE key IN (SELECT key FROM
   * table WHERE where LIMIT :limit)}. Rows locked by another transaction are skipped ({@code FOR
   * UPDATE SKIP LOCKED}), so the purge never waits on a sender or a consumer. The names are the
   * caller's constants, never input.
   */
  public static String deleteSql(String table, String key, String where) {
    return "DELETE FROM "
        + table
        + " WHERE "
        + key
        + " IN (SELECT "
        + key
        + " FROM "
        + table
        + " WHERE "
        + where
        + " LIMIT :limit FOR UPDATE SKIP LOCKED)";
  }
}
