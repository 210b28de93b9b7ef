package dev.rotor.verifier.metrics;

import dev.rotor.common.plan.VerificationSpec;

/** The three metrics a stage is held to. */
public enum MetricKind {
  /** Share of 5xx responses, 0..1. */
  ERROR_RATE("error-rate"),
  /** 99th percentile latency in seconds. */
  LATENCY("p99-latency"),
  /** Decrypt failures since the soak began (the default query's {@code {window}}). */
  DECRYPT_FAILURES("decrypt-failures");

  private final String check;

  MetricKind(String check) {
    this.check = check;
  }

  /** The name of the check in evidence, e.g. {@code error-rate}. */
  public String check() {
    return check;
  }

  /** The plan's PromQL template for this metric. */
  public String template(VerificationSpec spec) {
    return switch (this) {
      case ERROR_RATE -> spec.errorRateQuery();
      case LATENCY -> spec.latencyQuery();
      case DECRYPT_FAILURES -> spec.decryptFailuresQuery();
    };
  }

  /** Whether the source compares it with a pre-rotation baseline. */
  public boolean hasBaseline() {
    return this != DECRYPT_FAILURES;
  }
}
