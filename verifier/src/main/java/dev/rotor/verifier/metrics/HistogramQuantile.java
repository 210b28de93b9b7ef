package dev.rotor.verifier.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PromQL's {@code histogram_quantile} on cumulative bucket counts, computed the way Prometheus
 * computes it ({@code promql/quantile.go}): linear interpolation inside the bucket the rank falls
 * in; the upper bound of the highest finite bucket when the rank falls in {@code +Inf}; NaN without
 * observations or without a {@code +Inf} bucket. The direct-scrape source uses it so that its p99
 * agrees with Prometheus' on the same buckets.
 */
public final class HistogramQuantile {
  private HistogramQuantile() {}

  /**
   * The {@code q}-quantile of cumulative counts by upper bound ({@code le}); {@link
   * Double#POSITIVE_INFINITY} is the {@code +Inf} bucket.
   */
  public static double of(double q, Map<Double, Double> cumulativeByUpperBound) {
    if (Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    List<double[]> buckets = new ArrayList<>();
    new TreeMap<>(cumulativeByUpperBound)
        .forEach((bound, count) -> buckets.add(new double[] {bound, count}));
    if (buckets.size() < 2 || buckets.get(buckets.size() - 1)[0] != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    // Counts must not fall from one bucket to the next; Prometheus fixes such input the same way.
    for (int i = 1; i < buckets.size(); i++) {
      if (buckets.get(i)[1] < buckets.get(i - 1)[1]) {
        buckets.get(i)[1] = buckets.get(i - 1)[1];
      }
    }
    int last = buckets.size() - 1;
    double observations = buckets.get(last)[1];
    if (observations == 0) {
      return Double.NaN;
    }
    double rank = q * observations;
    int b = 0;
    while (b < last && buckets.get(b)[1] < rank) {
      b++;
    }
    if (b == last) {
      return buckets.get(last - 1)[0];
    }
    if (b == 0 && buckets.get(0)[0] <= 0) {
      return buckets.get(0)[0];
    }
    double bucketStart = 0;
    double bucketEnd = buckets.get(b)[0];
    double count = buckets.get(b)[1];
    if (b > 0) {
      bucketStart = buckets.get(b - 1)[0];
      count -= buckets.get(b - 1)[1];
      rank -= buckets.get(b - 1)[1];
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count);
  }
}
