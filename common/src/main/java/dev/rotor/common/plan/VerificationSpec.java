package dev.rotor.common.plan;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the verifier checks during a soak. Queries are PromQL templates in which {@code {namespace}}
 * and {@code {deployment}} are replaced by the stage's values, and {@code {window}} by the range a
 * check covers: for the error rate and the latency the check interval (not shorter than the
 * verifier's {@code rotor.verifier.metrics.min-rate-window}), for decrypt failures the time since
 * the soak began (not shorter than the error rate's window), so that every failure of the soak is
 * counted and {@code maxDecryptFailures} holds for the soak as a whole. A query may also give a
 * literal range ({@code [1m]}); it is then read as written.
 *
 * @param errorRateQuery the share of failed requests (0..1)
 * @param latencyQuery the p99 latency in seconds
 * @param decryptFailuresQuery the number of decrypt failures since the soak began (over {@code
 *     {window}})
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

  /** The placeholders a query may hold. */
  public static final Set<String> PLACEHOLDERS = Set.of("namespace", "deployment", "window");

  /** A placeholder: a name in braces ({@code {window}}); PromQL never writes one. */
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}");

  /**
   * Micrometer's HTTP server metrics and the reference workload's decrypt-failure counter. The 5xx
   * numerator falls back to 0: Micrometer creates the 5xx series only at the first 5xx, and without
   * the fallback a healthy workload would read as "no data" (inconclusive).
   */
  public static final VerificationSpec DEFAULT =
      new VerificationSpec(
          "(sum(rate(http_server_requests_seconds_count{namespace=\"{namespace}\","
              + "deployment=\"{deployment}\",status=~\"5..\"}[{window}])) or vector(0))"
              + " / sum(rate(http_server_requests_seconds_count{namespace=\"{namespace}\","
              + "deployment=\"{deployment}\"}[{window}]))",
          "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{"
              + "namespace=\"{namespace}\",deployment=\"{deployment}\"}[{window}])))",
          "sum(increase(secrets_decrypt_failures_total{namespace=\"{namespace}\","
              + "deployment=\"{deployment}\"}[{window}]))",
          Duration.ofMinutes(30),
          List.of("encryption self-test passed"),
          List.of("decrypt(ion)? fail"));

  /** A PromQL string literal: double-, single- or back-quoted, with backslash escapes. */
  private static final Pattern STRING_LITERAL =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");

  /**
   * The placeholders in {@code query} that are not among {@link #PLACEHOLDERS} (e.g. a misspelt
   * {@code {windw}}), in order: nothing would replace them, and Prometheus would reject the query.
   * Braces inside string literals are label values, not placeholders there: a {@code
   * uri="/secrets/{id}"} matcher is PromQL as written.
   */
  public static List<String> unknownPlaceholders(String query) {
    List<String> unknown = new ArrayList<>();
    Matcher matcher = PLACEHOLDER.matcher(STRING_LITERAL.matcher(query).replaceAll("\"\""));
    while (matcher.find()) {
      if (!PLACEHOLDERS.contains(matcher.group(1)) && !unknown.contains(matcher.group())) {
        unknown.add(matcher.group());
      }
    }
    return unknown;
  }

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
