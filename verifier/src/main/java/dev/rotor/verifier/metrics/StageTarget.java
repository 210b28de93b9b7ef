package dev.rotor.verifier.metrics;

import dev.rotor.common.plan.VerificationSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workload whose metrics a soak reads.
 *
 * @param cluster the stage's cluster
 * @param namespace the namespace of the Deployments
 * @param deployments the stage's Deployments; each is read and judged on its own
 * @param spec the plan's queries
 * @param window the soak's check interval: the range error rate and latency are read over (not
 *     shorter than {@code minRange} in a query), and, where the source computes rates itself (the
 *     direct scrape, which needs no minimum), the span a value describes
 * @param minRange the shortest range filled in for {@code {window}} ({@code
 *     rotor.verifier.metrics.min-rate-window}): {@code rate()} and {@code increase()} need two
 *     scrapes in their range
 * @param since when the soak (or rollback check) began: decrypt failures are counted from it, so
 *     that none between two checks is missed and {@code maxDecryptFailures} holds for the soak as a
 *     whole; null to read them over {@code window} too
 * @param lookback how far back a query may look at most (every range, also a subquery's, is cut to
 *     it); null for no limit
 */
public record StageTarget(
    String cluster,
    String namespace,
    List<String> deployments,
    VerificationSpec spec,
    Duration window,
    Duration minRange,
    Instant since,
    Duration lookback) {
  /** A PromQL duration: {@code 1m}, {@code 1m30s}, {@code 500ms}. */
  private static final String DURATION = "(?:\\d+(?:ms|[smhdwy]))+";

  /** A range selector or a subquery's range: {@code [5m]}, {@code [1m:10s]}, {@code [1m:]}. */
  private static final Pattern RANGE =
      Pattern.compile("\\[\\s*(" + DURATION + ")\\s*(:[^\\]]*)?\\]");

  private static final Pattern PART = Pattern.compile("(\\d+)(ms|[smhdwy])");

  private static final Duration SECOND = Duration.ofSeconds(1);

  public StageTarget {
    deployments = List.copyOf(deployments);
    minRange = minRange == null ? Duration.ZERO : minRange;
  }

  /**
   * A target whose decrypt failures are counted since {@code since}, with no lookback limit and no
   * minimum range.
   */
  public StageTarget(
      String cluster,
      String namespace,
      List<String> deployments,
      VerificationSpec spec,
      Duration window,
      Instant since) {
    this(cluster, namespace, deployments, spec, window, Duration.ZERO, since, null);
  }

  /** A target whose every metric is read over {@code window}. */
  public StageTarget(
      String cluster,
      String namespace,
      List<String> deployments,
      VerificationSpec spec,
      Duration window) {
    this(cluster, namespace, deployments, spec, window, Duration.ZERO, null, null);
  }

  /**
   * This target with its queries looking back at most {@code lookback} (at least a millisecond): a
   * rollback check must not count what happened before it started.
   */
  public StageTarget lookingBackAtMost(Duration lookback) {
    Duration limit = lookback.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : lookback;
    return new StageTarget(cluster, namespace, deployments, spec, window, minRange, since, limit);
  }

  /**
   * The range a check at {@code at} reads {@code kind} over, what {@code {window}} stands for:
   * error rate and latency over {@link #window}, not shorter than {@link #minRange}; decrypt
   * failures since {@link #since} (rounded up to whole seconds, so that no failure is missed), not
   * shorter than the error rate's range, as {@code increase()} too needs two scrapes in its range.
   * A rollback check's {@link #lookback} still cuts it.
   */
  public Duration window(MetricKind kind, Instant at) {
    Duration rate = window.compareTo(minRange) < 0 ? minRange : window;
    if (kind != MetricKind.DECRYPT_FAILURES || since == null) {
      return rate;
    }
    Duration elapsed = Duration.between(since, at);
    long seconds = Math.max(1, elapsed.getSeconds() + (elapsed.getNano() > 0 ? 1 : 0));
    // Plus the minimum range before the soak began: increase() counts only rises between two
    // samples in its range, so a failure between the last scrape before the soak and the first
    // one in it would otherwise be missed by every check.
    Duration soFar = (elapsed.isNegative() ? SECOND : Duration.ofSeconds(seconds)).plus(minRange);
    return soFar.compareTo(rate) < 0 ? rate : soFar;
  }

  /**
   * The plan's query for {@code kind} in a check at {@code at}: {@code {namespace}}, {@code
   * {deployment}} and {@code {window}} ({@link #window(MetricKind, Instant)}) filled in, and every
   * range longer than {@link #lookback} cut to it.
   */
  public String query(MetricKind kind, String deployment, Instant at) {
    String query =
        kind.template(spec)
            .replace("{namespace}", namespace)
            .replace("{deployment}", deployment)
            .replace("{window}", format(window(kind, at)));
    return lookback == null ? query : clampRanges(query, lookback);
  }

  /** {@code query} with every range (selector or subquery) longer than {@code limit} cut to it. */
  static String clampRanges(String query, Duration limit) {
    Matcher matcher = RANGE.matcher(query);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      Duration range = parse(matcher.group(1));
      String replacement =
          range.compareTo(limit) <= 0
              ? matcher.group()
              : "[" + format(limit) + (matcher.group(2) == null ? "" : matcher.group(2)) + "]";
      matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  private static Duration parse(String promql) {
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(promql);
    while (part.find()) {
      long n = Long.parseLong(part.group(1));
      total =
          total.plus(
              switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(7 * n);
                default -> Duration.ofDays(365 * n);
              });
    }
    return total;
  }

  private static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }
}
