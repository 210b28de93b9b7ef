package dev.rotor.verifier.soak;

import dev.rotor.common.plan.Thresholds;
import dev.rotor.verifier.store.SoakKind;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a soak holds its stage to: the plan's thresholds and log patterns, and the verifier's own
 * settings.
 *
 * @param kind a stage or a rollback
 * @param thresholds the stage's thresholds
 * @param required regexes every pod must log
 * @param forbidden regexes no pod may log
 * @param minDataShare share of checks that must have data for a metric to count
 * @param minErrorRate the error rate below which a value never breaches the baseline bound
 * @param minLatencySeconds the latency below which a value never breaches the baseline bound
 * @param maxEvidenceLines log lines quoted in the evidence at most
 */
public record SoakRules(
    SoakKind kind,
    Thresholds thresholds,
    List<Pattern> required,
    List<Pattern> forbidden,
    double minDataShare,
    double minErrorRate,
    double minLatencySeconds,
    int maxEvidenceLines) {

  public SoakRules {
    required = List.copyOf(required);
    forbidden = List.copyOf(forbidden);
  }

  /** The absolute bound of error rate or latency (seconds). */
  public double absolute(dev.rotor.verifier.metrics.MetricKind kind) {
    return switch (kind) {
      case ERROR_RATE -> thresholds.maxErrorRate();
      case LATENCY -> thresholds.maxP99Latency().toNanos() / 1e9;
      case DECRYPT_FAILURES -> thresholds.maxDecryptFailures();
    };
  }

  /** The floor below which a value never breaches the baseline bound. */
  public double floor(dev.rotor.verifier.metrics.MetricKind kind) {
    return switch (kind) {
      case ERROR_RATE -> minErrorRate;
      case LATENCY -> minLatencySeconds;
      case DECRYPT_FAILURES -> 0;
    };
  }
}
