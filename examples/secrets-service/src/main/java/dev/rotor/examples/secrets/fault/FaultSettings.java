package dev.rotor.examples.secrets.fault;

import java.time.Duration;

/**
 * What the fault switch does to {@code /payloads} requests.
 *
 * @param errorRatio the share of requests answered with HTTP 500 on purpose, 0 to 1
 * @param extraLatency the delay added to every request, zero or more
 */
public record FaultSettings(double errorRatio, Duration extraLatency) {
  /** The switch off. */
  public static final FaultSettings OFF = new FaultSettings(0, Duration.ZERO);

  public FaultSettings {
    if (!(errorRatio >= 0 && errorRatio <= 1)) {
      throw new IllegalArgumentException(
          "secrets-service.fault.error-ratio: " + errorRatio + " is not between 0 and 1");
    }
    if (extraLatency == null || extraLatency.isNegative()) {
      throw new IllegalArgumentException(
          "secrets-service.fault.extra-latency: must be zero or positive, got " + extraLatency);
    }
  }

  /** Whether the switch does anything. */
  public boolean isOn() {
    return errorRatio > 0 || !extraLatency.isZero();
  }
}
