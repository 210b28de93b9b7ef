package dev.rotor.cli.rotation;

import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.plan.Plan;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Draws a rotation for a person: a header (target, requester, key, review), one line per stage with
 * a bar for each phase and for the soak, the evidence of each verdict, and where the rotation
 * stands. Pure: the same state, time and zone give the same lines.
 */
public final class RotationView {
  static final int BAR = 10;

  private final ZoneId zone;

  public RotationView(ZoneId zone) {
    this.zone = zone;
  }

  /** The whole view at {@code now}; {@code tick} moves the markers of rollouts in progress. */
  public List<String> render(RotationState state, Instant now, long tick) {
    return render(state, now, tick, true);
  }

  /** The view, with or without the verdicts' evidence (a log that showed it already). */
  public List<String> render(RotationState state, Instant now, long tick, boolean evidence) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Rotation "
            + state.rotationId()
            + "  "
            + (state.targetId() == null ? "(target not known yet)" : state.targetId()));
    String requester = state.requestedBy();
    if (state.request() != null || requester != null) {
      String reason =
          state.request() == null || state.request().reason() == null
              ? ""
              : ": \"" + Texts.cut(state.request().reason(), 80) + "\"";
      lines.add(
          "  requested by "
              + (requester == null ? "(nobody)" : requester)
              + " at "
              + Texts.dateTime(state.requestedAt(), zone)
              + reason);
    }
    if (!state.duplicates().isEmpty()) {
      lines.add(
          "  note: "
              + state.duplicates().size()
              + " later request(s) reused this rotation id and were rejected as DUPLICATE;"
              + " they change nothing here");
    }
    if (state.key() != null) {
      lines.add(
          "  new key "
              + state.key().keyId()
              + "  fingerprint "
              + state.key().fingerprint()
              + "  escrow sealed to "
              + state.key().escrow().recipients().size()
              + " recipient"
              + (state.key().escrow().recipients().size() == 1 ? "" : "s"));
    }
    String review = review(state);
    if (review != null) {
      lines.add("  review: " + review);
    }
    List<StageProgress> stages = state.stages();
    if (!stages.isEmpty()) {
      lines.add("");
      int width = stages.stream().mapToInt(s -> s.cluster().length()).max().orElse(0);
      for (StageProgress stage : stages) {
        lines.add("  " + stageLine(stage, width, now, tick));
        List<String> verdict = verdictLines(stage, "    ");
        lines.addAll(evidence ? verdict : verdict.subList(0, Math.min(1, verdict.size())));
        PhaseProgress rollback = stage.phase(Phase.ROLLBACK);
        if (rollback.started() || rollback.waitingUntil() != null) {
          lines.add("    " + phaseCell("rollback", rollback, now, tick));
        }
      }
    }
    lines.add("");
    if (state.outcome().terminal()) {
      lines.addAll(summary(state));
    } else {
      Instant since = state.requestedAt();
      lines.add(
          "  "
              + state.status()
              + (since == null ? "" : "  (" + Texts.duration(Duration.between(since, now)) + ")"));
      StageProgress held = state.heldStage();
      if (held != null) {
        lines.add(
            "  decide: rotorctl promote --force "
                + state.rotationId()
                + "   or   rotorctl rollback "
                + state.rotationId());
      } else if (state.proposal() != null && state.merge() == null && !state.rollingBack()) {
        lines.add("  approve: rotorctl approve " + state.rotationId());
      }
    }
    return lines;
  }

  private static String review(RotationState state) {
    List<String> parts = new ArrayList<>();
    if (state.proposal() != null) {
      parts.add(
          "branch "
              + state.proposal().branch()
              + (state.proposal().changeRequestUrl() == null
                  ? ""
                  : " (" + state.proposal().changeRequestUrl() + ")"));
    }
    List<String> approvers =
        state.approvals().stream()
            .filter(a -> !a.force())
            .map(RotationApproved::approver)
            .distinct()
            .toList();
    if (state.merge() != null) {
      List<String> merged =
          state.merge().approvers().isEmpty() ? approvers : state.merge().approvers();
      parts.add(
          "approved by "
              + Texts.list(merged)
              + ", merged "
              + Texts.commit(state.merge().mergeCommit()));
    } else if (!approvers.isEmpty()) {
      parts.add("approved by " + Texts.list(approvers));
    }
    if (state.reviewRejection() != null) {
      parts.add("rejected by " + state.reviewRejection().reviewer());
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }

  private String stageLine(StageProgress stage, int width, Instant now, long tick) {
    return Texts.pad(stage.cluster(), width)
        + "  "
        + phaseCell("distribute", stage.phase(Phase.DISTRIBUTE), now, tick)
        + "  "
        + phaseCell("promote", stage.phase(Phase.PROMOTE), now, tick)
        + "  "
        + soakCell(stage, now);
  }

  private String phaseCell(String name, PhaseProgress phase, Instant now, long tick) {
    String bar;
    String note;
    if (phase.failed()) {
      bar = Texts.failedBar(BAR);
      note = "failed";
    } else if (phase.completed()) {
      bar = Texts.bar(1, BAR);
      note =
          phase.startedAt() == null
              ? "done"
              : Texts.duration(Duration.between(phase.startedAt(), phase.completedAt()));
    } else if (phase.started()) {
      bar = Texts.busyBar(tick, BAR);
      note = Texts.duration(Duration.between(phase.startedAt(), now));
    } else if (phase.waitingUntil() != null) {
      bar = Texts.bar(0, BAR);
      note = "waits until " + Texts.clock(phase.waitingUntil(), zone);
    } else {
      bar = Texts.bar(0, BAR);
      note = "";
    }
    return name + " " + bar + " " + Texts.pad(note, 6);
  }

  private String soakCell(StageProgress stage, Instant now) {
    String soak = stage.soak() == null ? "" : " " + Texts.duration(stage.soak());
    StageProgress.Verdict verdict = stage.verdict();
    if (verdict == StageProgress.Verdict.PASSED) {
      return "soak" + soak + " " + Texts.bar(1, BAR) + " passed";
    }
    if (verdict == StageProgress.Verdict.FAILED) {
      return "soak" + soak + " " + Texts.failedBar(BAR) + " FAILED";
    }
    if (stage.soakStartedAt() == null) {
      return "soak" + soak + " " + Texts.bar(0, BAR);
    }
    Duration total = Duration.between(stage.soakStartedAt(), stage.soakEndsAt());
    Duration done = Duration.between(stage.soakStartedAt(), now);
    double fraction = total.isZero() ? 1 : (double) done.toMillis() / total.toMillis();
    String bar = Texts.bar(fraction, BAR);
    if (verdict == StageProgress.Verdict.INCONCLUSIVE) {
      return "soak"
          + soak
          + " "
          + bar
          + (stage.forced() ? " inconclusive, forced" : " INCONCLUSIVE");
    }
    Duration left = Duration.between(now, stage.soakEndsAt());
    return "soak"
        + soak
        + " "
        + bar
        + " "
        + (left.isNegative() || left.isZero() ? "deciding" : Texts.duration(left) + " left");
  }

  /** The verdict of a stage with its evidence, one observation per line; none before it. */
  public static List<String> verdictLines(StageProgress stage, String indent) {
    if (stage.verdict() == null) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    String head =
        switch (stage.verdict()) {
          case PASSED -> "passed";
          case FAILED -> "FAILED: " + Texts.cut(stage.verdictMessage(), 120);
          case INCONCLUSIVE ->
              "inconclusive: "
                  + Texts.cut(stage.verdictMessage(), 120)
                  + (stage.forced() ? " (promotion forced)" : "");
        };
    lines.add(indent + head);
    int width = checkWidth(stage.evidence());
    for (Evidence evidence : stage.evidence()) {
      lines.add(indent + "  " + evidence(evidence, width));
    }
    return lines;
  }

  /** The width of the check column for {@code evidence}: its longest check name, at least 18. */
  public static int checkWidth(List<Evidence> evidence) {
    return Math.max(18, evidence.stream().mapToInt(e -> e.check().length()).max().orElse(0));
  }

  /** One observation: {@code error-rate 0.0012 max 0.0100 baseline 0.0010 5xx share}. */
  public static String evidence(Evidence e, int width) {
    StringBuilder s = new StringBuilder(Texts.pad(e.check(), width)).append(' ');
    s.append(Texts.pad(e.value() == null ? "-" : Texts.number(e.value()), 8));
    if (e.threshold() != null) {
      s.append("  max ").append(Texts.number(e.threshold()));
    }
    if (e.baseline() != null) {
      s.append("  baseline ").append(Texts.number(e.baseline()));
    }
    if (e.detail() != null && !e.detail().isBlank()) {
      s.append("  ").append(Texts.cut(e.detail(), 110));
    }
    return s.toString().stripTrailing();
  }

  /** The final lines of a rotation that ended. */
  public List<String> summary(RotationState state) {
    Duration took =
        state.requestedAt() == null || state.endedAt() == null
            ? null
            : Duration.between(state.requestedAt(), state.endedAt());
    String after = took == null ? "" : " after " + Texts.duration(took);
    List<String> lines = new ArrayList<>();
    switch (state.outcome()) {
      case COMPLETED -> {
        var c = state.completed();
        lines.add(
            "  COMPLETED"
                + after
                + ": key "
                + c.fingerprint().substring(0, 8)
                + " is primary on "
                + Texts.list(clusters(c.plan())));
        lines.add(
            "  fingerprint "
                + c.fingerprint()
                + (c.previousFingerprint() == null
                    ? ""
                    : " (was " + c.previousFingerprint() + ")"));
        lines.add(
            "  requested by "
                + c.requestedBy()
                + ", approved by "
                + Texts.list(c.approvers())
                + ", commit "
                + Texts.commit(c.commit())
                + "; verdicts "
                + c.verdicts().stream()
                    .map(v -> v.cluster() + " " + verdictName(v))
                    .collect(Collectors.joining(", ")));
      }
      case ROLLED_BACK -> {
        var r = state.rolledBack();
        String key = state.key() == null ? "the new key" : "the new key " + state.key().keyId();
        lines.add("  ROLLED BACK" + after + ": " + Texts.cut(r.cause(), 160));
        lines.add(
            "  "
                + (r.clusters().isEmpty()
                    ? "no cluster had applied it"
                    : Texts.list(r.clusters()) + " back on the previous primary key")
                + "; "
                + key
                + " stays decrypt-only, so nothing written with it is lost; rollback commit "
                + Texts.commit(r.commit()));
      }
      case FAILED -> {
        var f = state.failed();
        lines.add("  FAILED" + after + ": " + f.reason() + ": " + Texts.cut(f.message(), 160));
      }
      case REJECTED -> {
        var r = state.rejected();
        lines.add(
            "  REJECTED: "
                + r.reason()
                + ": "
                + Texts.cut(r.message(), 160)
                + (r.inFlightRotationId() == null
                    ? ""
                    : " (in flight: rotation " + r.inFlightRotationId() + ")"));
      }
      default -> lines.add("  " + state.status());
    }
    return lines;
  }

  private static String verdictName(StageVerdict verdict) {
    return verdict.verdict().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static List<String> clusters(Plan plan) {
    return plan.stages().stream().map(dev.rotor.common.plan.Stage::cluster).toList();
  }
}
