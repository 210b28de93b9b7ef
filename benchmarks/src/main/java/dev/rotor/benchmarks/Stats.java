package dev.rotor.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles of a sample, nearest-rank. */
record Stats(int count, double p50, double p90, double p99, double max, double mean) {

  static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    double sum = 0;
    for (double v : sorted) {
      sum += v;
    }
    return new Stats(
        sorted.size(),
        rank(sorted, 50),
        rank(sorted, 90),
        rank(sorted, 99),
        sorted.get(sorted.size() - 1),
        sum / sorted.size());
  }

  /**
   * The nearest-rank percentile: the smallest value with at least p % of the sample at or below.
   */
  static double rank(List<Double> sorted, double p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
