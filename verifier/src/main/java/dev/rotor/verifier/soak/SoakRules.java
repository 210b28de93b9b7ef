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
 * @param soakChecks the metric checks the soak can run (its length over the interval, at least
 *     one): a run of breaches never needs to be longer than that to fail the stage
 */
public record SoakRules(
    SoakKind kind,
    Thresholds thresholds,
    List<Pattern> required,
    List<Pattern> forbidden,
    double minDataShare,
    double minErrorRate,
    double minLatencySeconds,
    int maxEvidenceLines,
    int soakChecks) {

  public SoakRules {
    required = List.copyOf(required);
    forbidden = List.copyOf(forbidden);
    if (soakChecks < 1) {
      throw new IllegalArgumentException("a soak runs at least one check, not " + soakChecks);
    }
  }

  /** Rules for a soak whose number of checks is not known: the failure limit is not capped. */
  public SoakRules(
      SoakKind kind,
      Thresholds thresholds,
      List<Pattern> required,
      List<Pattern> forbidden,
      double minDataShare,
      double minErrorRate,
      double minLatencySeconds,
      int maxEvidenceLines) {
    this(
        kind,
        thresholds,
        required,
        forbidden,
        minDataShare,
        minErrorRate,
        minLatencySeconds,
        maxEvidenceLines,
        Integer.MAX_VALUE);
  }

  /**
   * The consecutive breaching checks that fail the stage: the plan's {@code failureLimit}, capped
   * at the checks the soak can run, so that a soak shorter than {@code failureLimit} × {@code
   * interval} (a zero soak runs one check) can still fail on error rate or latency.
   */
  public int failureLimit() {
    return Math.min(thresholds.failureLimit(), soakChecks);
  }

  /**
   * The restarts one container may show before the stage fails ({@code CONTAINER_RESTARTS}), or
   * null when restarts decide nothing and are only recorded: when the policy does not set {@code
   * maxContainerRestarts} (a bound by default would fail every policy at once on a sidecar that
   * restarts at start-up, a node's restart or a crash during the rollout), and in a rollback check,
   * where, as for error rate and latency, the trouble that caused the rollback may still be there
   * and failing it would only ask a person to act ({@code ROLLBACK_FAILED}).
   */
  public Integer containerRestartsAllowed() {
    return kind == SoakKind.STAGE ? thresholds.maxContainerRestarts() : null;
  }

  /**
   * The metric checks a soak of {@code soak} with a check every {@code interval} runs: at start +
   * interval, + 2 × interval, ..., and the last at its end; one for a soak not longer than the
   * interval (a zero soak too).
   */
  public static int checksIn(java.time.Duration soak, java.time.Duration interval) {
    if (soak.compareTo(interval) <= 0 || interval.isZero() || interval.isNegative()) {
      return 1;
    }
    long soakMillis = soak.toMillis();
    long intervalMillis = Math.max(1, interval.toMillis());
    long checks = (soakMillis + intervalMillis - 1) / intervalMillis;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, checks));
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
