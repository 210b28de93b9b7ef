package dev.rotor.cli.rotation;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.LedgerCheckpoint;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationDue;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationReviewRejected;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.plan.Stage;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What one event says, in a line a person reads ({@code 12:00:14 aether-staging distribute: rollout
 * completed, 2 pods, primary key 99f59ac9}), plus the evidence of a verdict. Fingerprints, key ids,
 * commits and names only: events carry no key material, and neither does this.
 */
public final class EventLines {
  private final ZoneId zone;

  public EventLines(ZoneId zone) {
    this.zone = zone;
  }

  /** The line (and, for verdicts, the evidence lines) for {@code event}. */
  public List<String> describe(EventEnvelope event) {
    List<String> lines = new ArrayList<>();
    lines.add(Texts.clock(event.time(), zone) + " " + summary(event.data()));
    List<Evidence> evidence = evidence(event.data());
    int width = RotationView.checkWidth(evidence);
    for (Evidence e : evidence) {
      lines.add("           " + RotationView.evidence(e, width));
    }
    return lines;
  }

  /** The event in words, without the time. */
  public String summary(RotorEvent data) {
    if (data instanceof RotationRequested r) {
      return "requested by "
          + (r.requestedBy() == null ? "(nobody)" : r.requestedBy())
          + " for "
          + r.targetId()
          + (r.stages().isEmpty() ? "" : ", stages " + String.join(", ", r.stages()))
          + (r.reason() == null ? "" : ": \"" + Texts.cut(r.reason(), 80) + "\"");
    }
    if (RotationState.answersAnotherRequest(data)) {
      RotationRejected r = (RotationRejected) data;
      return "a request for "
          + r.targetId()
          + " reused this rotation id: rejected as DUPLICATE (an answer to that request, not an"
          + " end of the rotation the id names)";
    }
    if (data instanceof RotationRejected r) {
      return "rejected: " + r.reason() + ": " + Texts.cut(r.message(), 160);
    }
    if (data instanceof KeyGenerated k) {
      return "key "
          + k.keyId()
          + " generated (fingerprint "
          + Texts.fingerprint(k.fingerprint())
          + "); plan: "
          + k.plan().stages().stream()
              .map(s -> s.cluster() + " (soak " + Texts.duration(s.soak()) + ")")
              .collect(Collectors.joining(" -> "));
    }
    if (data instanceof ManifestProposed p) {
      return "change proposed on branch "
          + p.branch()
          + (p.changeRequestUrl() == null ? "" : " " + p.changeRequestUrl())
          + "; needs "
          + p.plan().approvals().required()
          + " approval"
          + (p.plan().approvals().required() == 1 ? "" : "s")
          + (p.plan().approvals().teams().isEmpty()
              ? ""
              : " (" + String.join(", ", p.plan().approvals().teams()) + ")");
    }
    if (data instanceof RotationApproved a) {
      return (a.force() ? "promotion forced by " : "approved by ")
          + a.approver()
          + (a.comment() == null ? "" : ": \"" + Texts.cut(a.comment(), 80) + "\"");
    }
    if (data instanceof RotationReviewRejected r) {
      return "review rejected by "
          + r.reviewer()
          + (r.comment() == null ? "" : ": \"" + Texts.cut(r.comment(), 80) + "\"");
    }
    if (data instanceof ManifestApproved m) {
      return "merged as "
          + Texts.commit(m.mergeCommit())
          + (m.approvers().isEmpty() ? "" : ", approved by " + Texts.list(m.approvers()))
          + (m.forced() ? " (forced)" : "")
          + "; first stage "
          + m.plan().stages().get(0).cluster();
    }
    if (data instanceof RolloutWaiting w) {
      return w.cluster()
          + " "
          + w.phase().id()
          + ": waiting for the maintenance window, starts "
          + Texts.dateTime(w.startsAt(), zone);
    }
    if (data instanceof RolloutStarted s) {
      return s.cluster()
          + " "
          + s.phase().id()
          + ": rollout started (commit "
          + Texts.commit(s.commit())
          + ")";
    }
    if (data instanceof RolloutCompleted c) {
      return c.cluster()
          + " "
          + c.phase().id()
          + ": rollout completed, "
          + c.pods().size()
          + " new pod"
          + (c.pods().size() == 1 ? "" : "s")
          + ", primary key "
          + c.observedPrimaryKeyId();
    }
    if (data instanceof RolloutFailed f) {
      return f.cluster()
          + " "
          + f.phase().id()
          + ": rollout FAILED: "
          + f.reason()
          + ": "
          + Texts.cut(f.message(), 160);
    }
    if (data instanceof VerificationStarted v) {
      Stage stage = stage(v);
      return v.cluster()
          + ": soak started, ends "
          + Texts.clock(v.soakEndsAt(), zone)
          + (stage == null ? "" : " (" + Texts.duration(stage.soak()) + ")");
    }
    if (data instanceof VerificationPassed v) {
      return v.cluster() + ": verification passed";
    }
    if (data instanceof VerificationFailed v) {
      return v.cluster()
          + ": verification FAILED: "
          + v.reason()
          + ": "
          + Texts.cut(v.message(), 160);
    }
    if (data instanceof VerificationInconclusive v) {
      return v.cluster() + ": verification inconclusive: " + Texts.cut(v.message(), 200);
    }
    if (data instanceof RotationRollbackRequested r) {
      return "rollback requested by "
          + r.requestedBy()
          + (r.reason() == null ? "" : ": \"" + Texts.cut(r.reason(), 80) + "\"");
    }
    if (data instanceof ManifestRolledBack m) {
      return "rollback committed as "
          + Texts.commit(m.rollbackCommit())
          + (m.clusters().isEmpty() ? "" : " for " + Texts.list(m.clusters()))
          + ": "
          + Texts.cut(m.cause(), 120);
    }
    if (data instanceof RollbackCompleted c) {
      return c.cluster()
          + ": rolled back, "
          + c.pods().size()
          + " new pod"
          + (c.pods().size() == 1 ? "" : "s")
          + ", primary key "
          + c.observedPrimaryKeyId();
    }
    if (data instanceof RollbackFailed f) {
      return f.cluster()
          + ": rollback FAILED: "
          + f.reason()
          + ": "
          + Texts.cut(f.message(), 160)
          + " (people are paged)";
    }
    if (data instanceof RotationCompleted c) {
      return "rotation completed: key "
          + c.fingerprint().substring(0, 8)
          + " is primary on "
          + Texts.list(c.plan().stages().stream().map(Stage::cluster).toList());
    }
    if (data instanceof RotationRolledBack r) {
      return "rotation rolled back"
          + (r.clusters().isEmpty() ? "" : " on " + Texts.list(r.clusters()))
          + ": "
          + Texts.cut(r.cause(), 120);
    }
    if (data instanceof RotationFailed f) {
      return "rotation FAILED: " + f.reason() + ": " + Texts.cut(f.message(), 160);
    }
    if (data instanceof RotationDue d) {
      return d.targetId() + " is due for rotation at " + Texts.dateTime(d.dueAt(), zone);
    }
    if (data instanceof LedgerCheckpoint c) {
      return "ledger checkpoint: " + c.treeSize() + " entries, root " + c.rootHash();
    }
    return data.type().eventName();
  }

  private static Stage stage(VerificationStarted v) {
    return v.plan().stages().stream()
        .filter(s -> s.cluster().equals(v.cluster()))
        .findFirst()
        .orElse(null);
  }

  private static List<Evidence> evidence(RotorEvent data) {
    if (data instanceof VerificationPassed v) {
      return v.evidence();
    }
    if (data instanceof VerificationFailed v) {
      return v.evidence();
    }
    if (data instanceof VerificationInconclusive v) {
      return v.evidence();
    }
    return List.of();
  }

  /** How long ago, for status tables. */
  public static String ago(Duration duration) {
    return Texts.duration(duration) + " ago";
  }
}
