package dev.rotor.common.event;

import static dev.rotor.common.Checks.nonEmpty;

/**
 * One observation behind a verdict: what was checked, what was seen and what it was held to.
 *
 * @param check what was checked (e.g. {@code error-rate}, {@code p99-latency}, {@code
 *     log:required}, {@code fingerprint})
 * @param value the observed value, {@code null} when there was none (no data)
 * @param threshold the absolute bound, if any
 * @param baseline the pre-rotation value, if any
 * @param detail a line a person can read (a matched log line, a pod name, a query)
 */
public record Evidence(
    String check, Double value, Double threshold, Double baseline, String detail) {
  public Evidence {
    nonEmpty(check, "check");
  }
}
