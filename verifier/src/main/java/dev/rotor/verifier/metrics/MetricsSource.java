package dev.rotor.verifier.metrics;

import java.time.Instant;

/**
 * Where a soak reads error rate, p99 latency and decrypt failures: the Prometheus HTTP API ({@link
 * PrometheusSource}) or the pods' own metrics endpoints ({@link ScrapeSource}). Implementations
 * never throw for an unreachable source or an empty answer: they return no data with the reason,
 * which makes a soak inconclusive, never passed.
 */
public interface MetricsSource {

  /** What this source is, for evidence and logs (e.g. {@code prometheus http://prom:9090}). */
  String describe();

  /**
   * Whether the source can read values at past times. A source with history evaluates every check
   * at its scheduled time, also the checks a stopped verifier missed; one without reads now.
   */
  boolean hasHistory();

  /**
   * The stage's metrics at {@code at} ({@link #hasHistory()}), or now.
   *
   * @param previousState the state of the previous reading of this soak, null at the first
   */
  MetricsReading read(StageTarget target, Instant at, String previousState);

  /**
   * The mean of each Deployment's error rate and latency between {@code from} and {@code to}: the
   * pre-rotation baseline. Absent entries mean no baseline (no history, or no data then); a source
   * that could not answer says so ({@link Baseline#failed}), never with an empty baseline.
   */
  Baseline baseline(StageTarget target, Instant from, Instant to);
}
