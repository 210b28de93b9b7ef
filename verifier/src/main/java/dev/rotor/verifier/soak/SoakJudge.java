package dev.rotor.verifier.soak;

import dev.rotor.common.event.Reasons.Verification;
import dev.rotor.verifier.Texts;
import dev.rotor.verifier.cluster.PodLogs;
import dev.rotor.verifier.cluster.ProofResult;
import dev.rotor.verifier.metrics.MetricKind;
import dev.rotor.verifier.metrics.MetricValue;
import dev.rotor.verifier.metrics.MetricsReading;
import dev.rotor.verifier.metrics.StageTarget;
import dev.rotor.verifier.store.SoakKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The verdict rules, free of I/O: each check is recorded into the soak's {@link SoakProgress}, and
 * what it found decides.
 *
 * <ul>
 *   <li>Error rate and p99 latency breach when above the absolute bound, or above the baseline ×
 *       {@code maxBaselineFactor} (never below the floor {@code rotor.verifier.baseline.*}); a
 *       stage fails when one breaches {@code failureLimit} checks in a row (capped at the checks
 *       the soak runs), or is still breaching at the soak's end. A check without data neither
 *       counts as a breach nor ends a run of breaches.
 *   <li>Decrypt failures above {@code maxDecryptFailures} fail at once: one is never noise.
 *   <li>A Secret that does not hold the expected key fails at once (FINGERPRINT_MISMATCH), as does
 *       a pod that started before the Secret changed (STALE_POD), a forbidden log line (also in a
 *       restarted container's previous log), and, when the policy sets {@code
 *       maxContainerRestarts}, a container of a new pod that restarted more often than that
 *       (CONTAINER_RESTARTS); not set, restarts are recorded only.
 *   <li>At the end: a pod that never logged a required line fails (MISSING_LOG); then a metric with
 *       too little data, a baseline the source never answered for, a Secret never read, pods never
 *       listed or not listed in the last round (the pods judged stay those of the last listing that
 *       succeeded), or no pod at all make the stage inconclusive; else it passed.
 * </ul>
 *
 * For a rollback check, error rate, latency and container restarts are recorded but decide nothing
 * (the trouble that caused the rollback may still be there), and missing metrics make nothing
 * inconclusive.
 */
public final class SoakJudge {
  private SoakJudge() {}

  /** Records a metrics reading; a failure when a bound broke for long enough. */
  public static Optional<Finding> metrics(
      SoakProgress progress, MetricsReading reading, StageTarget target, SoakRules rules) {
    progress.metricChecks++;
    progress.lastCheckAt = reading.at();
    List<Finding> found = new ArrayList<>();
    for (String deployment : target.deployments()) {
      for (MetricKind kind : MetricKind.values()) {
        SoakProgress.Series series = progress.series(kind, deployment);
        series.query = target.query(kind, deployment, reading.at());
        series.checks++;
        MetricValue value = reading.value(deployment, kind);
        series.lastNote = value.note();
        if (!value.hasData()) {
          series.noDataNote = value.note();
          continue;
        }
        double v = value.value();
        series.withData++;
        series.last = v;
        series.max = series.max == null ? v : Math.max(series.max, v);
        series.allowed = allowed(kind, series.baseline, rules);
        if (!(v > series.allowed)) {
          series.streak = 0;
          continue;
        }
        series.breaching++;
        series.streak++;
        series.longestStreak = Math.max(series.longestStreak, series.streak);
        if (kind == MetricKind.DECRYPT_FAILURES) {
          series.failedAt = v;
          found.add(
              Finding.failed(
                  Verification.DECRYPT_FAILURES,
                  String.format(
                      Locale.ROOT,
                      "%s decrypt failure(s) in %s on %s (%s tolerated): pods cannot read what"
                          + " others wrote",
                      number(v),
                      deployment,
                      target.cluster(),
                      number(rules.absolute(kind)))));
        } else if (rules.kind() == SoakKind.STAGE && series.streak >= rules.failureLimit()) {
          series.failedAt = v;
          found.add(breach(kind, deployment, target.cluster(), series, rules, false));
        }
      }
    }
    return first(found);
  }

  /** Records what the cluster showed; a failure when the Secret or a pod is wrong. */
  public static Optional<Finding> proof(SoakProgress progress, ProofResult result) {
    progress.proofChecks++;
    progress.secretDetail = result.secretDetail();
    progress.podsDetail = result.podsDetail();
    if (result.observedPrimaryFingerprint() != null) {
      progress.observedFingerprint = result.observedPrimaryFingerprint();
    }
    if (result.previousFingerprint() != null) {
      progress.previousFingerprint = result.previousFingerprint();
    }
    // A listing that failed (in part) says nothing about the pods it could not see: the pods of the
    // last listing that succeeded stay the ones judged, and the round is remembered as unlisted.
    progress.podsUnlisted = result.podsState() == ProofResult.State.UNREADABLE;
    if (!progress.podsUnlisted) {
      progress.pods.values().forEach(pod -> pod.present = false);
    }
    for (ProofResult.Pod pod : result.pods()) {
      SoakProgress.PodLog log =
          progress.pods.computeIfAbsent(pod.name(), n -> new SoakProgress.PodLog());
      log.deployment = pod.deployment();
      log.present = true;
    }
    List<Finding> found = new ArrayList<>();
    switch (result.secret()) {
      case OK -> progress.secretOk++;
      case WRONG ->
          found.add(Finding.failed(Verification.FINGERPRINT_MISMATCH, result.secretDetail()));
      case UNREADABLE -> {}
    }
    switch (result.podsState()) {
      case OK -> progress.podsOk++;
      case WRONG -> found.add(Finding.failed(Verification.STALE_POD, result.podsDetail()));
      case UNREADABLE -> {}
    }
    return first(found);
  }

  /**
   * Records the restarts of the new pods' containers (from their statuses in the listing); a
   * failure when one restarted more often than the stage allows. Without a bound ({@link
   * SoakRules#containerRestartsAllowed()}: the policy sets none, or a rollback check) they are
   * recorded only. The listing leaves out the restarts of a pod that started before the Secret
   * changed (it fails as stale) or whose start, or the Secret's change, is not known: those may
   * precede the rotation.
   */
  /** How many containers over the bound a {@code CONTAINER_RESTARTS} message names. */
  static final int RESTARTS_LISTED = 5;

  public static Optional<Finding> restarts(
      SoakProgress progress, ProofResult result, SoakRules rules) {
    Integer allowed = rules.containerRestartsAllowed();
    List<String> over = new ArrayList<>();
    for (ProofResult.Pod pod : result.pods()) {
      for (ProofResult.Restart restart : pod.restarts()) {
        SoakProgress.PodLog log =
            progress.pods.computeIfAbsent(pod.name(), n -> new SoakProgress.PodLog());
        SoakProgress.Restarts seen =
            log.restarts.computeIfAbsent(restart.container(), c -> new SoakProgress.Restarts());
        if (restart.count() > seen.count) {
          // Kubernetes keeps only the last ended instance (its log is read this round): of a rise
          // by more than one since the last round, the instances before it ended unseen.
          seen.unseen += restart.count() - seen.count - 1;
        }
        if (restart.count() >= seen.count) {
          seen.count = restart.count();
          seen.lastReason = restart.lastReason();
          seen.lastExitCode = restart.lastExitCode();
          seen.lastFinishedAt = restart.lastFinishedAt();
        }
        if (allowed != null && seen.count > allowed) {
          over.add("pod " + pod.name() + ": " + restarted(restart.container(), seen));
        }
      }
    }
    if (over.isEmpty()) {
      return Optional.empty();
    }
    String listed = String.join("; ", over.subList(0, Math.min(over.size(), RESTARTS_LISTED)));
    if (over.size() > RESTARTS_LISTED) {
      // Every replica of a crash-looping Deployment: the first few say what happened, and the
      // evidence keeps a record per container.
      listed +=
          String.format(
              Locale.ROOT,
              "; and %d more container(s) over the bound",
              over.size() - RESTARTS_LISTED);
    }
    return Optional.of(
        Finding.failed(
            Verification.CONTAINER_RESTARTS,
            listed
                + String.format(
                    Locale.ROOT,
                    " (%d restart(s) of a container tolerated, thresholds.maxContainerRestarts): a"
                        + " workload that crashes after the rotation is not healthy",
                    allowed)));
  }

  /**
   * What became of a restarted container's ended instances' logs: the last one's read or not (and
   * why), and how many before it ended unseen between two rounds.
   */
  static String previousLogs(SoakProgress.Restarts restarts) {
    String last =
        restarts.previousLogUnread == null
            ? "the last ended instance's log was read"
            : "the last ended instance's log could not be read ("
                + restarts.previousLogUnread
                + ")";
    return restarts.unseen == 0
        ? last
        : String.format(
            Locale.ROOT,
            "%s; %d earlier instance(s) ended unseen, their logs gone (Kubernetes keeps only the"
                + " last ended instance's)",
            last,
            restarts.unseen);
  }

  /** A container's restarts in words: how many, and how its previous instance ended. */
  static String restarted(String container, SoakProgress.Restarts restarts) {
    StringBuilder text =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "container %s restarted %d time(s) since the pod started",
                container,
                restarts.count));
    if (restarts.lastReason != null || restarts.lastExitCode != null) {
      text.append(", last terminated: ")
          .append(restarts.lastReason == null ? "no reason given" : restarts.lastReason);
      if (restarts.lastExitCode != null) {
        text.append(", exit code ").append(restarts.lastExitCode);
      }
      if (restarts.lastFinishedAt != null) {
        text.append(", at ").append(restarts.lastFinishedAt);
      }
    }
    return text.toString();
  }

  /** Records what the pods' logs showed; a failure when one logged a forbidden line. */
  public static Optional<Finding> logs(SoakProgress progress, List<PodLogs> logs) {
    List<Finding> found = new ArrayList<>();
    for (PodLogs pod : logs) {
      SoakProgress.PodLog log =
          progress.pods.computeIfAbsent(pod.pod(), n -> new SoakProgress.PodLog());
      log.deployment = pod.deployment();
      if (!pod.readable()) {
        log.problem = pod.problem();
        log.restarts.values().forEach(restarts -> restarts.previousLogUnread = pod.problem());
        continue;
      }
      log.read = true;
      log.problem = null;
      log.restarts.forEach(
          (container, restarts) ->
              restarts.previousLogUnread = pod.previousUnread().get(container));
      pod.required().forEach(log.required::putIfAbsent);
      for (Map.Entry<String, String> match : pod.forbidden().entrySet()) {
        log.forbidden.putIfAbsent(match.getKey(), match.getValue());
        found.add(
            Finding.failed(
                Verification.FORBIDDEN_LOG,
                "pod "
                    + pod.pod()
                    + " logged a line that matches the forbidden pattern '"
                    + match.getKey()
                    + "': "
                    + match.getValue()));
      }
    }
    return first(found);
  }

  /** The verdict at the end of the soak, after its last check. */
  public static Finding finish(SoakProgress progress, SoakRules rules) {
    List<Finding> failed = new ArrayList<>();
    if (rules.kind() == SoakKind.STAGE) {
      // A breach still running at the soak's end has not recovered: the stage is not promoted on a
      // workload that is unhealthy now, however short the run (it fails, and the stage rolls back).
      for (SoakProgress.Series series : progress.series.values()) {
        // A metric with too little data to judge leaves the stage inconclusive (below) instead.
        if (series.kind != MetricKind.DECRYPT_FAILURES
            && series.streak > 0
            && enoughData(series, rules)) {
          series.failedAt = series.last;
          failed.add(breach(series.kind, series.deployment, null, series, rules, true));
        }
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> unread = new ArrayList<>();
    List<String> undecided = new ArrayList<>();
    progress.pods.forEach(
        (name, pod) -> {
          if (!pod.present) {
            return;
          }
          if (!pod.read) {
            unread.add("the log of pod " + name + " could not be read (" + pod.problem + ")");
            return;
          }
          for (Pattern pattern : rules.required()) {
            if (!pod.required.containsKey(pattern.pattern())) {
              missing.add(
                  "pod " + name + " never logged a line matching '" + pattern.pattern() + "'");
            }
          }
        });
    if (!missing.isEmpty()) {
      // Every replica of a Deployment that never logs the line: the first few say what happened.
      failed.add(
          Finding.failed(
              Verification.MISSING_LOG, Texts.listed(missing, "; ", "required line(s) missing")));
    }
    if (!failed.isEmpty()) {
      return first(failed).orElseThrow();
    }
    if (!unread.isEmpty()) {
      undecided.add(Texts.listed(unread, "; ", "pod(s) whose log could not be read"));
    }
    if (progress.secretOk == 0) {
      undecided.add("the Secret could not be verified (" + progress.secretDetail + ")");
    }
    if (progress.podsOk == 0) {
      undecided.add("the pods could not be verified (" + progress.podsDetail + ")");
    } else if (progress.podsUnlisted) {
      undecided.add(
          "the pods could not be listed in the last round ("
              + progress.podsDetail
              + "): what they run at the soak's end is unknown");
    } else if (progress.pods.values().stream().noneMatch(p -> p.present)) {
      undecided.add("no pod of the Deployments was found at the soak's end");
    }
    if (rules.kind() == SoakKind.STAGE) {
      if (progress.metricChecks == 0) {
        undecided.add("no metrics check ran");
      }
      if (progress.baselineUnread()) {
        undecided.add(
            "the baseline could not be read ("
                + progress.baselineFailure
                + "): the metrics were held to the absolute bounds only");
      }
      List<String> noData = new ArrayList<>();
      for (SoakProgress.Series series : progress.series.values()) {
        if (!enoughData(series, rules)) {
          noData.add(
              String.format(
                  Locale.ROOT,
                  "no data for %s of %s in %d of %d checks (%s)",
                  series.kind.check(),
                  series.deployment,
                  series.checks - series.withData,
                  series.checks,
                  series.noDataNote == null ? "no value" : series.noDataNote));
        }
      }
      if (!noData.isEmpty()) {
        undecided.add(Texts.listed(noData, "; ", "metric(s) without enough data"));
      }
    }
    if (!undecided.isEmpty()) {
      return Finding.inconclusive(
          "cannot decide: "
              + String.join("; ", undecided)
              + ". Promotion holds until a person decides: rotorctl promote --force, or rotorctl"
              + " rollback");
    }
    return Finding.passed(
        String.format(
            Locale.ROOT,
            "healthy through the soak: %d metric checks, the Secret verified %d times, %d pod(s)"
                + " logged every required line and no forbidden one",
            progress.metricChecks,
            progress.secretOk,
            progress.pods.values().stream().filter(p -> p.present).count()));
  }

  private static boolean enoughData(SoakProgress.Series series, SoakRules rules) {
    return series.withData > 0 && series.withData >= rules.minDataShare() * series.checks;
  }

  /** The failure that takes precedence among {@code found}. */
  public static Optional<Finding> first(List<Finding> found) {
    return found.stream().min(Comparator.comparingInt(Finding::precedence));
  }

  /** The bound a value of {@code kind} is held to: the absolute one, tightened by the baseline. */
  static double allowed(MetricKind kind, Double baseline, SoakRules rules) {
    double absolute = rules.absolute(kind);
    if (!kind.hasBaseline() || baseline == null) {
      return absolute;
    }
    double relative =
        Math.max(baseline * rules.thresholds().maxBaselineFactor(), rules.floor(kind));
    return Math.min(absolute, relative);
  }

  private static Finding breach(
      MetricKind kind,
      String deployment,
      String cluster,
      SoakProgress.Series series,
      SoakRules rules,
      boolean atTheEnd) {
    double absolute = rules.absolute(kind);
    String limit =
        rules.failureLimit() < rules.thresholds().failureLimit()
            ? String.format(
                Locale.ROOT,
                "failure limit %d, capped at the %d check(s) the soak runs",
                rules.thresholds().failureLimit(),
                rules.failureLimit())
            : "failure limit " + rules.failureLimit();
    StringBuilder message =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s of %s%s was %s for %d consecutive checks %s(%s); allowed %s",
                kind == MetricKind.ERROR_RATE ? "error rate" : "p99 latency",
                deployment,
                cluster == null ? "" : " on " + cluster,
                format(kind, series.last),
                series.streak,
                atTheEnd ? "and still at the soak's end " : "",
                limit,
                format(kind, series.allowed)));
    if (series.baseline == null) {
      message.append(" (absolute bound; no baseline)");
    } else {
      message.append(
          String.format(
              Locale.ROOT,
              " (absolute bound %s; baseline %s × %s, not below %s)",
              format(kind, absolute),
              format(kind, series.baseline),
              number(rules.thresholds().maxBaselineFactor()),
              format(kind, rules.floor(kind))));
      if (series.baseline > absolute) {
        message.append(
            "; it was already above the absolute bound before the rotation, and the bound still"
                + " applies");
      }
    }
    Verification reason =
        kind == MetricKind.ERROR_RATE ? Verification.ERROR_RATE : Verification.LATENCY;
    return Finding.failed(reason, message.toString());
  }

  /** A value as a person reads it: a percentage, milliseconds, or a count. */
  static String format(MetricKind kind, Double value) {
    if (value == null) {
      return "no data";
    }
    return switch (kind) {
      case ERROR_RATE -> String.format(Locale.ROOT, "%.2f %%", value * 100);
      case LATENCY -> String.format(Locale.ROOT, "%.0f ms", value * 1000);
      case DECRYPT_FAILURES -> number(value);
    };
  }

  static String number(double value) {
    if (!Double.isFinite(value)) {
      return Double.toString(value);
    }
    return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3f", value))
        .stripTrailingZeros()
        .toPlainString();
  }
}
