package dev.rotor.common.plan;

import static dev.rotor.common.Checks.present;

import java.time.Duration;

/**
 * The bounds a stage is held to during its soak. A breach counts only if it persists for {@code
 * failureLimit} consecutive checks (like Argo Rollouts' {@code failureLimit}).
 *
 * @param maxErrorRate the highest acceptable share of 5xx responses, 0..1
 * @param maxP99Latency the highest acceptable 99th percentile latency
 * @param maxBaselineFactor how far above the pre-rotation baseline a value may rise (1.5: 50 %
 *     above); the absolute bound still applies
 * @param maxDecryptFailures how many decrypt failures are tolerated during the soak (normally 0)
 * @param failureLimit consecutive breaching checks before the stage fails (at least 1)
 * @param interval the time between two checks
 * @param maxContainerRestarts how many times one container of a pod started after the Secret
 *     changed may restart (its {@code restartCount}) before the stage fails; {@code null}: not set,
 *     and then restarts are recorded in the evidence but decide nothing (a bound of 0 by default
 *     would fail every policy at once on a sidecar's or a node's restart). Left out of the event
 *     data when not set, so that the plans of policies that do not set it keep the shape every
 *     older reader knows
 */
public record Thresholds(
    double maxErrorRate,
    Duration maxP99Latency,
    double maxBaselineFactor,
    long maxDecryptFailures,
    int failureLimit,
    Duration interval,
    Integer maxContainerRestarts) {

  /** Defaults for a stage that does not set its own. */
  public static final Thresholds DEFAULT =
      new Thresholds(0.01, Duration.ofMillis(500), 1.5, 0, 3, Duration.ofSeconds(30), null);

  public Thresholds {
    if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) {
      throw new IllegalArgumentException("thresholds.maxErrorRate: must be between 0 and 1");
    }
    present(maxP99Latency, "thresholds.maxP99Latency");
    if (maxP99Latency.isNegative() || maxP99Latency.isZero()) {
      throw new IllegalArgumentException("thresholds.maxP99Latency: must be positive");
    }
    if (!(maxBaselineFactor >= 1)) {
      throw new IllegalArgumentException("thresholds.maxBaselineFactor: must be 1 or more");
    }
    if (maxDecryptFailures < 0) {
      throw new IllegalArgumentException("thresholds.maxDecryptFailures: must not be negative");
    }
    if (failureLimit < 1) {
      throw new IllegalArgumentException("thresholds.failureLimit: must be at least 1");
    }
    present(interval, "thresholds.interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("thresholds.interval: must be positive");
    }
    if (maxContainerRestarts != null && maxContainerRestarts < 0) {
      throw new IllegalArgumentException("thresholds.maxContainerRestarts: must not be negative");
    }
  }
}
