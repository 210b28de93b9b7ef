package dev.rotor.verifier.store;

import dev.rotor.common.retention.BatchedPurge;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Instant;

/** The verifier's retention purges' one statement, run in batches. */
public final class Purges {
  private Purges() {}

  /**
   * Runs {@code deleteSql} ({@link BatchedPurge#deleteSql}, whose condition compares with {@code
   * :before}) in batches of {@value BatchedPurge#DEFAULT_BATCH_SIZE} rows, each in its own
   * transaction, until a batch is short; the rows deleted.
   */
  public static long deleteBefore(String deleteSql, Instant before) {
    return BatchedPurge.run(
        BatchedPurge.DEFAULT_BATCH_SIZE,
        limit ->
            QuarkusTransaction.requiringNew()
                .call(
                    () ->
                        Panache.getEntityManager()
                            .createNativeQuery(deleteSql)
                            .setParameter("before", before)
                            .setParameter("limit", limit)
                            .executeUpdate()));
  }
}
