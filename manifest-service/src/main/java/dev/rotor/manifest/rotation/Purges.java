package dev.rotor.manifest.rotation;

import dev.rotor.common.retention.BatchedPurge;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import java.util.Map;

/** The manifest-service's retention purges: one batched statement run until a batch is short. */
final class Purges {
  private Purges() {}

  /**
   * Runs {@code sql} (a {@link BatchedPurge} statement, with {@code :limit}) with {@code
   * parameters}, {@value BatchedPurge#DEFAULT_BATCH_SIZE} rows per transaction; how many rows.
   */
  static long run(EntityManager em, String sql, Map<String, Object> parameters) {
    return BatchedPurge.run(
        BatchedPurge.DEFAULT_BATCH_SIZE,
        limit ->
            QuarkusTransaction.requiringNew()
                .call(
                    () -> {
                      Query query = em.createNativeQuery(sql).setParameter("limit", limit);
                      parameters.forEach(query::setParameter);
                      return query.executeUpdate();
                    }));
  }
}
