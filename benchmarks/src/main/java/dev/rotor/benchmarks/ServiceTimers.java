package dev.rotor.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The services' own timers, read from their {@code /q/metrics} (Prometheus text format): for each
 * {@code rotor_*_seconds} series its count, sum and mean, i.e. where each service spent its time by
 * its own account (manifest-service worker steps, cluster-agent phases, verifier rounds, ...).
 */
final class ServiceTimers {
  private static final Pattern SAMPLE =
      Pattern.compile("^(rotor_[a-z_]+_seconds)_(count|sum)(\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$");

  /** One timer series: name with labels, observations, total seconds. */
  record Timer(String series, long count, double sumSeconds) {
    double meanMillis() {
      return count == 0 ? Double.NaN : sumSeconds * 1000 / count;
    }
  }

  private ServiceTimers() {}

  /** The timers in a Prometheus text exposition, in the order they appear. */
  static List<Timer> parse(String exposition) {
    Map<String, long[]> counts = new LinkedHashMap<>();
    Map<String, Double> sums = new LinkedHashMap<>();
    for (String line : exposition.split("\n")) {
      Matcher m = SAMPLE.matcher(line.trim());
      if (!m.matches()) {
        continue;
      }
      String series = m.group(1) + (m.group(3) == null ? "" : m.group(3));
      double value = Double.parseDouble(m.group(4));
      if (m.group(2).equals("count")) {
        counts.put(series, new long[] {(long) value});
      } else {
        sums.put(series, value);
      }
    }
    List<Timer> timers = new ArrayList<>();
    counts.forEach(
        (series, count) -> {
          if (count[0] > 0 && sums.containsKey(series)) {
            timers.add(new Timer(series, count[0], sums.get(series)));
          }
        });
    return timers;
  }
}
