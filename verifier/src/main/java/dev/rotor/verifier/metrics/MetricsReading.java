package dev.rotor.verifier.metrics;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reading of a stage's metrics: a value (or no data) per Deployment and metric.
 *
 * @param at the time the values describe
 * @param values by Deployment, then by metric
 * @param state what the source needs next time (the direct scrape: the counters it read); null for
 *     sources that keep no state
 */
public record MetricsReading(
    Instant at, Map<String, Map<MetricKind, MetricValue>> values, String state) {

  public MetricsReading {
    Map<String, Map<MetricKind, MetricValue>> copy = new LinkedHashMap<>();
    values.forEach((deployment, byKind) -> copy.put(deployment, new EnumMap<>(byKind)));
    values = Collections.unmodifiableMap(copy);
  }

  /** The value of {@code kind} for {@code deployment}; no data if it was not read. */
  public MetricValue value(String deployment, MetricKind kind) {
    Map<MetricKind, MetricValue> byKind = values.get(deployment);
    MetricValue value = byKind == null ? null : byKind.get(kind);
    return value == null ? MetricValue.noData("not read") : value;
  }
}
