package dev.rotor.ledger.rotation;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.PlanCarrying;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.plan.Stage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Folds a rotation's events into its {@link RotationRecord}, one entry at a time, in any order:
 * facts fill in as they arrive, the status only moves forward, and the final event's own fields
 * ({@code rotation.completed}'s approvers, fingerprints, commit and verdicts) are authoritative
 * (they replace what earlier events said; approvals after the end are not added). The first end is
 * final, except that a completed rotation rolled back afterwards ({@code rotation.rolled-back}, or
 * {@code rotation.failed} with {@code ROLLBACK_FAILED}) takes that status and keeps its completion
 * facts. A {@code rotation.rejected} with reason {@code DUPLICATE} is not an end: the key-generator
 * answers a request that reuses an existing rotation id with it, carrying that id, and it neither
 * ends nor changes the rotation it names. The request facts (requester, time, reason) are those of
 * the first {@code rotation.requested} recorded, the admitted one whenever the duplicate names the
 * same target (one target's events are ordered). Until its {@code rotation.requested} is recorded
 * the record says {@link RotationStatus#UNREQUESTED} (the status its events give it is kept in
 * {@link RotationRecord#progress()}): an event of a rotation nobody requested does not make it look
 * requested. Pure, so the projection can be rebuilt from the entries at any time.
 */
public final class RotationProjection {
  private RotationProjection() {}

  /**
   * The record after the entry {@code leafIndex} holding {@code event}; {@code current} may be
   * null.
   */
  public static RotationRecord apply(RotationRecord current, long leafIndex, EventEnvelope event) {
    if (event.rotationId() == null) {
      throw new IllegalArgumentException("event: not part of a rotation");
    }
    Builder b = current == null ? new Builder(event, leafIndex) : new Builder(current);
    b.seen(leafIndex, event.time());
    RotorEvent data = event.data();
    if (data instanceof PlanCarrying carrying && carrying.plan() != null && b.clusters.isEmpty()) {
      b.clusters = carrying.plan().stages().stream().map(Stage::cluster).toList();
    }
    if (data instanceof RotationRequested r) {
      // The first request recorded keeps its facts: a later request reusing the id (answered
      // DUPLICATE) adds nothing to the rotation the key-generator admitted or rejected before.
      b.status(RotationStatus.REQUESTED);
      b.requestedBy = first(b.requestedBy, r.requestedBy());
      b.requestedAt =
          first(b.requestedAt, r.requestedAt() != null ? r.requestedAt() : event.time());
      b.reason = first(b.reason, r.reason());
    } else if (data instanceof RotationRejected r) {
      // A DUPLICATE answers a later request that reused the id: no news of this rotation, which
      // may be in flight or long over; it is one of its entries (counted, in the timeline) and
      // changes nothing else.
      if (!r.answersAnotherRequest()) {
        b.end(RotationStatus.REJECTED, event.time(), r.reason().name(), r.message());
      }
    } else if (data instanceof KeyGenerated k) {
      b.status(RotationStatus.KEY_GENERATED);
      b.requestedBy = first(b.requestedBy, k.requestedBy());
      b.keyId = k.keyId();
      b.fingerprint = k.fingerprint();
      b.escrow =
          new RotationRecord.EscrowCopy(k.escrow().recipients(), k.escrow().armored(), leafIndex);
    } else if (data instanceof ManifestProposed m) {
      b.status(RotationStatus.PROPOSED);
      b.previousKeyId = first(b.previousKeyId, m.previousKeyId());
      b.fingerprint = first(b.fingerprint, m.fingerprint());
      b.branch = m.branch();
      b.changeRequestUrl = first(b.changeRequestUrl, m.changeRequestUrl());
    } else if (data instanceof RotationApproved a) {
      if (!b.status.terminal()) {
        b.approvers.add(a.approver()); // an approval after the end approves nothing
      }
    } else if (data instanceof ManifestApproved m) {
      b.status(RotationStatus.APPROVED);
      if (!b.status.terminal()) {
        b.approvers.addAll(m.approvers());
      }
      b.commit = first(b.commit, m.mergeCommit());
    } else if (data instanceof RolloutWaiting
        || data instanceof RolloutStarted
        || data instanceof RolloutCompleted
        || data instanceof VerificationStarted) {
      b.status(RotationStatus.ROLLING_OUT);
    } else if (data instanceof VerificationPassed v) {
      b.status(RotationStatus.ROLLING_OUT);
      b.verdict(v.cluster(), "PASSED", event.time());
    } else if (data instanceof VerificationInconclusive v) {
      b.status(RotationStatus.ROLLING_OUT);
      b.verdict(v.cluster(), "INCONCLUSIVE", event.time());
    } else if (data instanceof VerificationFailed v) {
      b.status(RotationStatus.ROLLING_BACK);
      b.verdict(v.cluster(), "FAILED", event.time());
    } else if (data instanceof RolloutFailed
        || data instanceof RotationRollbackRequested
        || data instanceof RollbackCompleted
        || data instanceof RollbackFailed) {
      b.status(RotationStatus.ROLLING_BACK);
    } else if (data instanceof ManifestRolledBack m) {
      b.status(RotationStatus.ROLLING_BACK);
      b.rollbackCommit = m.rollbackCommit();
    } else if (data instanceof RotationCompleted c
        && (b.end(RotationStatus.COMPLETED, event.time(), null, null)
            || b.status == RotationStatus.COMPLETED)) {
      b.previousFingerprint = c.previousFingerprint();
      b.fingerprint = c.fingerprint();
      b.requestedBy = c.requestedBy();
      b.completedAt = event.time();
      // rotation.completed names the approvers that counted: it replaces, not adds to, the list.
      b.approvers.clear();
      b.approvers.addAll(c.approvers());
      b.commit = c.commit();
      b.verdicts.clear();
      for (StageVerdict verdict : c.verdicts()) {
        b.verdicts.add(
            new RotationRecord.Verdict(
                verdict.cluster(), verdict.verdict().name(), verdict.decidedAt()));
      }
    } else if (data instanceof RotationRolledBack r) {
      if (b.end(RotationStatus.ROLLED_BACK, event.time(), "ROLLED_BACK", r.cause())
          || b.reopenCompleted(
              RotationStatus.ROLLED_BACK, event.time(), "ROLLED_BACK", r.cause())) {
        b.rollbackCommit = r.commit();
      }
    } else if (data instanceof RotationFailed f) {
      if (!b.end(RotationStatus.FAILED, event.time(), f.reason().name(), f.message())
          && f.reason() == Reasons.RotationFailure.ROLLBACK_FAILED) {
        // A rollback of a completed rotation that failed: it is no longer simply completed.
        b.reopenCompleted(RotationStatus.FAILED, event.time(), f.reason().name(), f.message());
      }
    }
    return b.build();
  }

  /**
   * Whether {@code data} ends a rotation (and so asks for a checkpoint). A {@code DUPLICATE}
   * rejection does not: it answers another request that reused the rotation's id.
   */
  public static boolean endsRotation(RotorEvent data) {
    return data instanceof RotationCompleted
        || data instanceof RotationRolledBack
        || data instanceof RotationFailed
        || (data instanceof RotationRejected r && !r.answersAnotherRequest());
  }

  private static <T> T first(T existing, T candidate) {
    return existing != null ? existing : candidate;
  }

  private static final class Builder {
    final String rotationId;
    final String targetId;
    RotationStatus status;
    Instant startedAt;
    Instant updatedAt;
    Instant endedAt;
    Instant completedAt;
    String requestedBy;
    Instant requestedAt;
    String reason;
    final LinkedHashSet<String> approvers;
    String previousKeyId;
    String previousFingerprint;
    String keyId;
    String fingerprint;
    String branch;
    String changeRequestUrl;
    String commit;
    String rollbackCommit;
    List<String> clusters;
    final List<RotationRecord.Verdict> verdicts;
    RotationRecord.EscrowCopy escrow;
    String outcome;
    String outcomeMessage;
    long firstEntry;
    long lastEntry;
    int entries;

    Builder(EventEnvelope event, long leafIndex) {
      rotationId = event.rotationId();
      targetId = event.data().targetId();
      status = RotationStatus.REQUESTED; // as if requested: build() says whether it was
      startedAt = event.time();
      updatedAt = event.time();
      approvers = new LinkedHashSet<>();
      clusters = List.of();
      verdicts = new ArrayList<>();
      firstEntry = leafIndex;
      lastEntry = leafIndex;
    }

    Builder(RotationRecord r) {
      rotationId = r.rotationId();
      targetId = r.targetId();
      if (r.progress() != null) {
        status = r.progress();
      } else {
        // A record stored before progress existed holds its progress in status.
        status = r.status() == RotationStatus.UNREQUESTED ? RotationStatus.REQUESTED : r.status();
      }
      startedAt = r.startedAt();
      updatedAt = r.updatedAt();
      endedAt = r.endedAt();
      completedAt = r.completedAt();
      requestedBy = r.requestedBy();
      requestedAt = r.requestedAt();
      reason = r.reason();
      approvers = new LinkedHashSet<>(r.approvers());
      previousKeyId = r.previousKeyId();
      previousFingerprint = r.previousFingerprint();
      keyId = r.keyId();
      fingerprint = r.fingerprint();
      branch = r.branch();
      changeRequestUrl = r.changeRequestUrl();
      commit = r.commit();
      rollbackCommit = r.rollbackCommit();
      clusters = r.clusters();
      verdicts = new ArrayList<>(r.verdicts());
      escrow = r.escrow();
      outcome = r.outcome();
      outcomeMessage = r.outcomeMessage();
      firstEntry = r.firstEntry();
      lastEntry = r.lastEntry();
      entries = r.entries();
    }

    void seen(long leafIndex, Instant time) {
      entries++;
      firstEntry = Math.min(firstEntry, leafIndex);
      lastEntry = Math.max(lastEntry, leafIndex);
      if (time.isBefore(startedAt)) {
        startedAt = time;
      }
      if (time.isAfter(updatedAt)) {
        updatedAt = time;
      }
    }

    void status(RotationStatus next) {
      status = status.advance(next);
    }

    /** Ends the rotation unless it already ended; whether this event ended it. */
    boolean end(RotationStatus terminal, Instant time, String outcomeCode, String message) {
      if (status.terminal()) {
        return false;
      }
      status = terminal;
      endedAt = time;
      outcome = outcomeCode;
      outcomeMessage = message;
      return true;
    }

    /**
     * Ends a completed rotation again, for a rollback after its completion: the status says how it
     * stands now, the completion's facts (completedAt, approvers, verdicts, commit) stay. Whether
     * it did.
     */
    boolean reopenCompleted(
        RotationStatus terminal, Instant time, String outcomeCode, String message) {
      if (status != RotationStatus.COMPLETED) {
        return false;
      }
      status = terminal;
      endedAt = time;
      outcome = outcomeCode;
      outcomeMessage = message;
      return true;
    }

    void verdict(String cluster, String verdict, Instant decidedAt) {
      if (status == RotationStatus.COMPLETED || completedAt != null) {
        return; // rotation.completed's verdicts are the record
      }
      verdicts.removeIf(v -> v.cluster().equals(cluster));
      verdicts.add(new RotationRecord.Verdict(cluster, verdict, decidedAt));
    }

    /** Whether its {@code rotation.requested} is recorded (only that event sets requestedAt). */
    boolean requested() {
      return requestedAt != null;
    }

    RotationRecord build() {
      return new RotationRecord(
          rotationId,
          targetId,
          requested() ? status : RotationStatus.UNREQUESTED,
          requested() ? null : status,
          startedAt,
          updatedAt,
          endedAt,
          completedAt,
          requestedBy,
          requestedAt,
          reason,
          List.copyOf(approvers),
          previousKeyId,
          previousFingerprint,
          keyId,
          fingerprint,
          branch,
          changeRequestUrl,
          commit,
          rollbackCommit,
          clusters,
          verdicts,
          escrow,
          outcome,
          outcomeMessage,
          firstEntry,
          lastEntry,
          entries);
    }
  }
}
