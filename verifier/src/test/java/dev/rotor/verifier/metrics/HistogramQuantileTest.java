package dev.rotor.verifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected values are what PromQL's histogram_quantile gives for the same buckets. */
class HistogramQuantileTest {
  static final double INF = Double.POSITIVE_INFINITY;

  @Test
  void interpolatesLinearlyInsideTheBucketTheRankFallsIn() {
    // 100 observations: 50 up to 0.1 s, 40 more up to 0.5 s, 10 more up to 1 s.
    Map<Double, Double> buckets = Map.of(0.1, 50.0, 0.5, 90.0, 1.0, 100.0, INF, 100.0);

    assertThat(HistogramQuantile.of(0.5, buckets)).isCloseTo(0.1, within(1e-12));
    assertThat(HistogramQuantile.of(0.7, buckets)).isCloseTo(0.3, within(1e-12));
    assertThat(HistogramQuantile.of(0.99, buckets)).isCloseTo(0.95, within(1e-12));
    assertThat(HistogramQuantile.of(0.25, buckets)).isCloseTo(0.05, within(1e-12));
  }

  @Test
  void givesTheHighestFiniteBoundWhenTheRankFallsInTheInfBucket() {
    Map<Double, Double> buckets = Map.of(0.1, 10.0, 0.5, 20.0, INF, 100.0);

    assertThat(HistogramQuantile.of(0.99, buckets)).isEqualTo(0.5);
  }

  @Test
  void isNaNWithoutObservationsOrWithoutAnInfBucket() {
    assertThat(HistogramQuantile.of(0.99, Map.of(0.1, 0.0, INF, 0.0))).isNaN();
    assertThat(HistogramQuantile.of(0.99, Map.of(0.1, 5.0, 0.5, 9.0))).isNaN();
    assertThat(HistogramQuantile.of(0.99, Map.of())).isNaN();
  }

  @Test
  void treatsCountsThatFallFromOneBucketToTheNextAsFlat() {
    // Buckets scraped at slightly different moments can be non-monotonic; Prometheus fixes them.
    Map<Double, Double> buckets = Map.of(0.1, 60.0, 0.5, 55.0, 1.0, 100.0, INF, 100.0);

    assertThat(HistogramQuantile.of(0.5, buckets)).isCloseTo(0.0833333, within(1e-6));
  }
}
