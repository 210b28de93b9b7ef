package dev.rotor.common.plan;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

import java.time.Duration;
import java.util.List;

/**
 * What the verifier checks during a soak. Queries are PromQL templates in which {@code {namespace}}
 * and {@code {deployment}} are replaced by the stage's values.
 *
 * @param errorRateQuery the share of failed requests (0..1)
 * @param latencyQuery the p99 latency in seconds
 * @param decryptFailuresQuery the number of decrypt failures over the check interval
 * @param baselineWindow how far back before the rotation the baseline is measured
 * @param requiredLogPatterns regular expressions every new pod must log (the self-test line)
 * @param forbiddenLogPatterns regular expressions no new pod may log (decrypt failures)
 */
public record VerificationSpec(
    String errorRateQuery,
    String latencyQuery,
    String decryptFailuresQuery,
    Duration baselineWindow,
    List<String> requiredLogPatterns,
    List<String> forbiddenLogPatterns) {

  /**
   * Micrometer's HTTP server metrics and the reference workload's decrypt-failure counter. The 5xx
   * numerator falls back to 0: Micrometer creates the 5xx series only at the first 5xx, and without
   * the fallback a healthy workload would read as "no data" (inconclusive).
   */
  public static final VerificationSpec DEFAULT =
      new VerificationSpec(
          "(sum(rate(http_server_requests_seconds_count{namespace=\"{namespace}\","
              + "deployment=\"{deployment}\",status=~\"5..\"}[1m])) or vector(0))"
              + " / sum(rate(http_server_requests_seconds_count{namespace=\"{namespace}\","
              + "deployment=\"{deployment}\"}[1m]))",
          "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{"
              + "namespace=\"{namespace}\",deployment=\"{deployment}\"}[1m])))",
          "sum(increase(secrets_decrypt_failures_total{namespace=\"{namespace}\","
              + "deployment=\"{deployment}\"}[1m]))",
          Duration.ofMinutes(30),
          List.of("encryption self-test passed"),
          List.of("decrypt(ion)? fail"));

  public VerificationSpec {
    nonEmpty(errorRateQuery, "verification.errorRateQuery");
    nonEmpty(latencyQuery, "verification.latencyQuery");
    nonEmpty(decryptFailuresQuery, "verification.decryptFailuresQuery");
    present(baselineWindow, "verification.baselineWindow");
    requiredLogPatterns =
        requiredLogPatterns == null ? List.of() : List.copyOf(requiredLogPatterns);
    forbiddenLogPatterns =
        forbiddenLogPatterns == null ? List.of() : List.copyOf(forbiddenLogPatterns);
  }
}
