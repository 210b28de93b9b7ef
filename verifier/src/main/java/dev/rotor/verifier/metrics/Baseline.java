package dev.rotor.verifier.metrics;

import java.util.Map;

/**
 * The pre-rotation baseline as a source read it: per Deployment the mean of each metric that had
 * data then, or why the source could not answer. A metric absent from a read baseline had no data
 * (a real answer); a failed read ({@link #failure()} set) says nothing about the baseline, and is
 * read again.
 *
 * @param values per Deployment, per metric with data, the mean; empty when failed
 * @param failure why the source did not answer (unreachable, timed out, refused); null when read
 */
public record Baseline(Map<String, Map<MetricKind, Double>> values, String failure) {
  public Baseline {
    values = failure != null ? Map.of() : Map.copyOf(values);
  }

  /** What the source answered; absent metrics had no data. */
  public static Baseline read(Map<String, Map<MetricKind, Double>> values) {
    return new Baseline(values, null);
  }

  /** The source did not answer, for {@code why}. */
  public static Baseline failed(String why) {
    return new Baseline(Map.of(), why);
  }

  /** Whether the source answered (also with no data). */
  public boolean isRead() {
    return failure == null;
  }
}
