package dev.rotor.common.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchedPurgeTest {

  @Test
  void deletesBatchByBatchUntilABatchIsShortAndCountsEveryRow() {
    int[] left = {2_500};
    List<Integer> limits = new ArrayList<>();
    long total =
        BatchedPurge.run(
            1000,
            limit -> {
              limits.add(limit);
              int deleted = Math.min(limit, left[0]);
              left[0] -= deleted;
              return deleted;
            });
    assertThat(total).isEqualTo(2_500);
    assertThat(left[0]).isZero();
    assertThat(limits).containsExactly(1000, 1000, 1000);
  }

  @Test
  void aFullLastBatchIsFollowedByAnEmptyOneAndNothingIsLeft() {
    int[] left = {2_000};
    int[] batches = {0};
    long total =
        BatchedPurge.run(
            1000,
            limit -> {
              batches[0]++;
              int deleted = Math.min(limit, left[0]);
              left[0] -= deleted;
              return deleted;
            });
    assertThat(total).isEqualTo(2_000);
    assertThat(batches[0]).isEqualTo(3);
  }

  @Test
  void nothingToDeleteIsOneBatch() {
    int[] batches = {0};
    assertThat(BatchedPurge.run(10, limit -> batches[0]++ * 0)).isZero();
    assertThat(batches[0]).isEqualTo(1);
  }

  @Test
  void aBatchThatReportsMoreThanItsLimitEndsTheRun() {
    assertThatThrownBy(() -> BatchedPurge.run(10, limit -> 11))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at most 10");
    assertThatThrownBy(() -> BatchedPurge.run(0, limit -> 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theStatementPicksAtMostLimitRowsAndSkipsLockedOnes() {
    assertThat(BatchedPurge.deleteSql("outbox", "event_id", "sent_at < :before"))
        .isEqualTo(
            "WITH batch AS MATERIALIZED (SELECT event_id FROM outbox WHERE sent_at < :before"
                + " LIMIT :limit FOR UPDATE SKIP LOCKED) DELETE FROM outbox USING batch WHERE"
                + " outbox.event_id = batch.event_id");
  }

  @Test
  void theUpdateStatementPicksItsBatchTheSameWayAndClearsOnlyThoseRows() {
    assertThat(
            BatchedPurge.updateSql(
                "rotation",
                "rotation_id",
                "secret = null, purged_at = :now",
                "ended_at < :before and purged_at is null"))
        .isEqualTo(
            "WITH batch AS MATERIALIZED (SELECT rotation_id FROM rotation WHERE ended_at <"
                + " :before and purged_at is null LIMIT :limit FOR UPDATE SKIP LOCKED) UPDATE"
                + " rotation SET secret = null, purged_at = :now FROM batch WHERE"
                + " rotation.rotation_id = batch.rotation_id");
  }
}
