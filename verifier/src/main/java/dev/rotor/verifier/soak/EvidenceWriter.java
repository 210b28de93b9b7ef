package dev.rotor.verifier.soak;

import dev.rotor.common.event.Evidence;
import dev.rotor.verifier.Texts;
import dev.rotor.verifier.metrics.MetricKind;
import dev.rotor.verifier.store.SoakKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evidence of a verdict, from a soak's progress: per metric and Deployment the last value (or
 * the one that failed), its bounds, the baseline and how the checks went; what the Secret held; the
 * pods and their containers' restarts; the log lines that matched (quoted, cut short, base64 runs
 * masked; a restarted container's previous log marked as such). Only key ids and fingerprints,
 * never a key; small enough for an event (at most {@link #MAX_ENTRIES} entries of {@link
 * #MAX_DETAIL} characters).
 */
public final class EvidenceWriter {
  static final int MAX_ENTRIES = 64;
  static final int MAX_DETAIL = 600;

  private EvidenceWriter() {}

  public static List<Evidence> of(SoakProgress progress, SoakRules rules) {
    List<Evidence> evidence = new ArrayList<>();
    for (SoakProgress.Series series : progress.series.values()) {
      Double value = series.failedAt != null ? series.failedAt : series.last;
      String limit =
          series.kind == MetricKind.DECRYPT_FAILURES
              ? "fails at once"
              : rules.kind() == SoakKind.STAGE
                  ? "limit " + rules.failureLimit() + (series.streak > 0 ? ", running" : "")
                  : "recorded only (rollback check)";
      String detail =
          String.format(
              Locale.ROOT,
              "%d checks, %d with data, %d breaching, longest run %d (%s); max %s; allowed %s%s%s;"
                  + " query: %s",
              series.checks,
              series.withData,
              series.breaching,
              series.longestStreak,
              limit,
              SoakJudge.format(series.kind, series.max),
              SoakJudge.format(series.kind, series.allowed),
              series.baseline == null ? "; no baseline" : "",
              (series.lastNote == null ? "" : "; last: " + series.lastNote)
                  + (series.withData < series.checks && series.noDataNote != null
                      ? "; no data: " + series.noDataNote
                      : ""),
              series.query);
      evidence.add(
          entry(
              series.kind.check() + ":" + series.deployment,
              value,
              rules.absolute(series.kind),
              series.baseline,
              detail));
    }
    if (progress.secretDetail != null) {
      String previous =
          progress.previousFingerprint == null
              ? ""
              : "; previous primary's fingerprint " + progress.previousFingerprint;
      evidence.add(entry("fingerprint", null, null, null, progress.secretDetail + previous));
    }
    if (progress.podsDetail != null) {
      long present = progress.pods.values().stream().filter(p -> p.present).count();
      evidence.add(entry("pods", (double) present, null, null, progress.podsDetail));
    }
    int lines = 0;
    for (Map.Entry<String, SoakProgress.PodLog> pod : progress.pods.entrySet()) {
      for (Map.Entry<String, String> match : pod.getValue().forbidden.entrySet()) {
        if (lines++ < rules.maxEvidenceLines()) {
          evidence.add(
              entry(
                  "log:forbidden:" + pod.getKey(),
                  null,
                  null,
                  null,
                  "'" + match.getKey() + "' matched: " + match.getValue()));
        }
      }
    }
    for (Map.Entry<String, SoakProgress.PodLog> pod : progress.pods.entrySet()) {
      if (!pod.getValue().present) {
        continue;
      }
      for (var pattern : rules.required()) {
        String line = pod.getValue().required.get(pattern.pattern());
        if (lines++ >= rules.maxEvidenceLines()) {
          break;
        }
        evidence.add(
            line == null
                ? entry(
                    "log:missing:" + pod.getKey(),
                    null,
                    null,
                    null,
                    "'"
                        + pattern.pattern()
                        + "' never logged"
                        + (pod.getValue().problem == null
                            ? ""
                            : " (" + pod.getValue().problem + ")"))
                : entry(
                    "log:required:" + pod.getKey(),
                    null,
                    null,
                    null,
                    "'" + pattern.pattern() + "' matched: " + line));
      }
    }
    if (progress.metricsSource != null) {
      String baseline =
          progress.baselineFrom == null
              ? "no baseline window"
              : "baseline " + progress.baselineFrom + " to " + progress.baselineTo;
      if (progress.baselineUnread()) {
        baseline +=
            " could not be read ("
                + progress.baselineFailures
                + " attempt(s), the last: "
                + progress.baselineFailure
                + "): absolute bounds only";
      } else if (progress.baselineFailures > 0) {
        baseline += ", read after " + progress.baselineFailures + " failed attempt(s)";
      }
      evidence.add(
          entry("metrics-source", null, null, null, progress.metricsSource + "; " + baseline));
    }
    // Restarts come last (pods over the bound first): with many restarted replicas they would
    // otherwise push a failure's own evidence (its log line, the metrics source) past the cut.
    evidence.addAll(restarts(progress, rules));
    return evidence.size() > MAX_ENTRIES ? List.copyOf(evidence.subList(0, MAX_ENTRIES)) : evidence;
  }

  /** Per pod with a restarted container, its restarts: those over the bound first. */
  private static List<Evidence> restarts(SoakProgress progress, SoakRules rules) {
    Integer allowed = rules.containerRestartsAllowed();
    String unbounded =
        allowed != null
            ? ""
            : rules.kind() == SoakKind.STAGE
                ? "recorded only (the policy sets no thresholds.maxContainerRestarts): "
                : "recorded only (rollback check): ";
    List<Evidence> over = new ArrayList<>();
    List<Evidence> within = new ArrayList<>();
    for (Map.Entry<String, SoakProgress.PodLog> pod : progress.pods.entrySet()) {
      if (pod.getValue().restarts.isEmpty()) {
        continue;
      }
      List<String> containers = new ArrayList<>();
      int most = 0;
      for (Map.Entry<String, SoakProgress.Restarts> restarts : pod.getValue().restarts.entrySet()) {
        SoakProgress.Restarts r = restarts.getValue();
        most = Math.max(most, r.count);
        containers.add(
            SoakJudge.restarted(restarts.getKey(), r) + "; " + SoakJudge.previousLogs(r));
      }
      (allowed != null && most > allowed ? over : within)
          .add(
              entry(
                  "restarts:" + pod.getKey(),
                  (double) most,
                  allowed == null ? null : (double) allowed,
                  null,
                  unbounded + String.join("; ", containers)));
    }
    over.addAll(within);
    return over;
  }

  /** Evidence that a person forced promotion past an inconclusive verdict. */
  public static Evidence forced(String approver, String comment) {
    return entry(
        "forced",
        null,
        null,
        null,
        "promoted past an inconclusive verdict by "
            + approver
            + (comment == null || comment.isBlank() ? "" : ": " + comment));
  }

  private static Evidence entry(
      String check, Double value, Double threshold, Double baseline, String detail) {
    return new Evidence(check, finite(value), finite(threshold), finite(baseline), cut(detail));
  }

  private static Double finite(Double value) {
    return value == null || !Double.isFinite(value) ? null : value;
  }

  private static String cut(String text) {
    return Texts.cut(text, MAX_DETAIL);
  }
}
