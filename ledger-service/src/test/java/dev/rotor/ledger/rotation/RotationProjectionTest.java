package dev.rotor.ledger.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.ledger.support.RotationEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rotation's record from its events: the runbook's facts in one place, whatever order the events
 * of several topics arrive in; a rotation only moves forward and ends once.
 */
class RotationProjectionTest {

  @Test
  void aCompletedRotationRecordsRequesterApproversFingerprintsCommitClustersVerdictsAndEscrow() {
    RotationEvents rotation = RotationEvents.completed("fold");
    RotationRecord record = fold(events(rotation));

    assertThat(record.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(record.requestedBy()).isEqualTo("alice");
    assertThat(record.reason()).isEqualTo("quarterly rotation");
    assertThat(record.approvers()).containsExactly("bob");
    assertThat(record.previousFingerprint()).isEqualTo(rotation.previousFingerprint);
    assertThat(record.previousKeyId()).isEqualTo(rotation.previousFingerprint.substring(0, 8));
    assertThat(record.fingerprint()).isEqualTo(rotation.fingerprint);
    assertThat(record.commit()).isEqualTo("9c1185a5c5e9fc54612808977ee8f548b2258d31");
    assertThat(record.clusters()).containsExactly("aether-staging", "aether-production");
    assertThat(record.verdicts())
        .extracting(RotationRecord.Verdict::verdict)
        .containsExactly("PASSED", "PASSED");
    assertThat(record.escrow().armored()).isEqualTo(RotationEvents.ESCROW);
    assertThat(record.escrow().entry()).isEqualTo(1);
    assertThat(record.entries()).isEqualTo(14);
    assertThat(record.firstEntry()).isZero();
    assertThat(record.lastEntry()).isEqualTo(13);
    assertThat(record.endedAt()).isEqualTo(events(rotation).get(13).time());
  }

  @Test
  void eventsArrivingInAnyOrderGiveTheSameRecord() {
    RotationEvents rotation = RotationEvents.completed("order");
    List<EventEnvelope> events = events(rotation);
    RotationRecord inOrder = fold(events);
    List<EventEnvelope> reversed = new ArrayList<>(events);
    Collections.reverse(reversed);
    RotationRecord backwards = fold(reversed);

    assertThat(backwards.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(backwards)
        .usingRecursiveComparison()
        .ignoringFields("firstEntry", "lastEntry", "escrow.entry")
        .isEqualTo(inOrder);
  }

  @Test
  void rollbacksAndRejectionsEndWithTheirOutcome() {
    RotationRecord back = fold(events(RotationEvents.rolledBack("back")));
    assertThat(back.status()).isEqualTo(RotationStatus.ROLLED_BACK);
    assertThat(back.rollbackCommit()).isEqualTo("e4d909c290d0fb1ca068ffaddf22cbd0aa6f2a1e");
    assertThat(back.outcomeMessage()).isEqualTo("verification failed");
    assertThat(back.verdicts())
        .extracting(RotationRecord.Verdict::verdict)
        .containsExactly("FAILED");

    RotationRecord rejected = fold(events(RotationEvents.rejected("no")));
    assertThat(rejected.status()).isEqualTo(RotationStatus.REJECTED);
    assertThat(rejected.outcome()).isEqualTo("UNKNOWN_TARGET");
  }

  @Test
  void theFirstEndIsFinal() {
    RotationEvents rotation = RotationEvents.completed("final");
    List<EventEnvelope> events = new ArrayList<>(events(rotation));
    EventEnvelope last = events.get(13);
    events.add(
        new EventEnvelope(
            "late-failure",
            dev.rotor.common.event.EventType.ROTATION_FAILED,
            "/rotor/manifest-service",
            last.subject(),
            last.rotationId(),
            last.time().plusSeconds(60),
            new RotationFailed(
                rotation.rotationId,
                rotation.targetId,
                rotation.plan,
                Reasons.RotationFailure.MANIFEST_CONFLICT,
                "too late")));

    RotationRecord record = fold(events);
    assertThat(record.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(record.outcome()).isNull();
    assertThat(record.endedAt()).isEqualTo(last.time());
  }

  @Test
  void aRotationRolledBackAfterItCompletedIsRolledBackAndKeepsItsCompletion() {
    RotationEvents rotation = RotationEvents.completed("late-rollback");
    List<EventEnvelope> events = new ArrayList<>(events(rotation));
    EventEnvelope completed = events.get(13);
    Instant later = completed.time().plusSeconds(3600);
    String rollbackCommit = "0123456789abcdef0123456789abcdef01234567";
    events.add(
        late(
            completed,
            "late-rolled-back",
            EventType.ROTATION_ROLLED_BACK,
            "/rotor/verifier",
            later,
            new RotationRolledBack(
                rotation.rotationId,
                rotation.targetId,
                rotation.plan,
                "rollback requested by dave: decrypt errors",
                List.of(RotationEvents.STAGING, RotationEvents.PRODUCTION),
                rollbackCommit)));

    RotationRecord record = fold(events);
    assertThat(record.status()).isEqualTo(RotationStatus.ROLLED_BACK);
    assertThat(record.outcome()).isEqualTo("ROLLED_BACK");
    assertThat(record.outcomeMessage()).isEqualTo("rollback requested by dave: decrypt errors");
    assertThat(record.rollbackCommit()).isEqualTo(rollbackCommit);
    assertThat(record.endedAt()).isEqualTo(later);
    assertThat(record.completedAt()).isEqualTo(completed.time());
    assertThat(record.commit()).isEqualTo("9c1185a5c5e9fc54612808977ee8f548b2258d31");
    assertThat(record.verdicts())
        .extracting(RotationRecord.Verdict::verdict)
        .containsExactly("PASSED", "PASSED");
  }

  @Test
  void aFailedRollbackAfterCompletionIsAFailureThatKeepsTheCompletion() {
    RotationEvents rotation = RotationEvents.completed("late-rollback-failed");
    List<EventEnvelope> events = new ArrayList<>(events(rotation));
    EventEnvelope completed = events.get(13);
    events.add(
        late(
            completed,
            "late-rollback-failed",
            EventType.ROTATION_FAILED,
            "/rotor/manifest-service",
            completed.time().plusSeconds(3600),
            new RotationFailed(
                rotation.rotationId,
                rotation.targetId,
                rotation.plan,
                Reasons.RotationFailure.ROLLBACK_FAILED,
                "the rollback could not be applied")));

    RotationRecord record = fold(events);
    assertThat(record.status()).isEqualTo(RotationStatus.FAILED);
    assertThat(record.outcome()).isEqualTo("ROLLBACK_FAILED");
    assertThat(record.completedAt()).isEqualTo(completed.time());
  }

  @Test
  void theApproversAreTheCompletionsAndALateApprovalAddsNone() {
    RotationEvents rotation = RotationEvents.completed("late-approval");
    List<EventEnvelope> events = new ArrayList<>(events(rotation));
    EventEnvelope completed = events.get(13);
    events.add(
        late(
            completed,
            "late-approval",
            EventType.ROTATION_APPROVED,
            "/rotor/cli",
            completed.time().plusSeconds(60),
            new RotationApproved(
                rotation.rotationId, rotation.targetId, "mallory", false, "me too")));
    // An approval recorded before the end that rotation.completed does not name did not count.
    events.add(
        3,
        late(
            completed,
            "early-extra-approval",
            EventType.ROTATION_APPROVED,
            "/rotor/cli",
            completed.time().minusSeconds(600),
            new RotationApproved(rotation.rotationId, rotation.targetId, "carol", false, null)));

    RotationRecord record = fold(events);
    assertThat(record.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(record.approvers()).containsExactly("bob");
  }

  @Test
  void anEventOfARotationNobodyRequestedDoesNotMakeItLookRequested() {
    // A forged approval from /rotor/cli for a made-up rotation id: stored, but not "requested".
    RotationEvents forged = RotationEvents.completed("forged");
    EventEnvelope approval =
        events(forged).stream()
            .filter(e -> e.data() instanceof RotationApproved)
            .findFirst()
            .orElseThrow();

    RotationRecord record = fold(List.of(approval));

    assertThat(record.status()).isEqualTo(RotationStatus.UNREQUESTED);
    assertThat(record.status().terminal()).isFalse();
    assertThat(record.requestedBy()).isNull();
    assertThat(record.requestedAt()).isNull();
    assertThat(record.approvers()).containsExactly("bob");
    assertThat(record.entries()).isEqualTo(1);
  }

  @Test
  void aRotationWhoseRequestArrivesLastIsUnrequestedUntilThenAndThenMovesOnNormally() {
    RotationEvents rotation = RotationEvents.completed("late-request");
    List<EventEnvelope> events = events(rotation);
    // Everything up to the rollout of staging first, the request (entry 0) last.
    List<EventEnvelope> before = new ArrayList<>(events.subList(1, 6));

    RotationRecord unrequested = fold(before);
    assertThat(unrequested.status()).isEqualTo(RotationStatus.UNREQUESTED);
    assertThat(unrequested.progress()).isEqualTo(RotationStatus.ROLLING_OUT);
    assertThat(unrequested.keyId()).isEqualTo(rotation.fingerprint.substring(0, 8));

    RotationRecord requested = RotationProjection.apply(unrequested, 6, events.get(0));
    assertThat(requested.status()).isEqualTo(RotationStatus.ROLLING_OUT);
    assertThat(requested.progress()).isNull();
    assertThat(requested.requestedBy()).isEqualTo("alice");

    // The same record as when the request came first.
    List<EventEnvelope> inOrder = new ArrayList<>(events.subList(0, 6));
    assertThat(requested)
        .usingRecursiveComparison()
        .ignoringFields("firstEntry", "lastEntry", "escrow.entry")
        .isEqualTo(fold(inOrder));
  }

  @Test
  void aRotationThatEndsWithoutARequestStaysUnrequestedAndKeepsItsEndAsProgress() {
    RotationEvents rotation = RotationEvents.completed("no-request");
    List<EventEnvelope> events = events(rotation);

    RotationRecord record = fold(events.subList(1, events.size()));

    assertThat(record.status()).isEqualTo(RotationStatus.UNREQUESTED);
    assertThat(record.progress()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(record.endedAt()).isNotNull();

    RotationRecord requested = RotationProjection.apply(record, events.size(), events.get(0));
    assertThat(requested.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(requested.progress()).isNull();
  }

  @Test
  void aDuplicateRequestOfARotationInFlightNeitherEndsNorChangesItAndItCompletesWithItsFacts() {
    RotationEvents rotation = RotationEvents.completed("dup-in-flight");
    List<EventEnvelope> events = events(rotation);
    List<EventEnvelope> duplicate =
        events(rotation.duplicateRequest("mallory", events.get(5).time().plusSeconds(5)));
    List<EventEnvelope> withDuplicate = new ArrayList<>(events.subList(0, 6));
    withDuplicate.addAll(duplicate);

    RotationRecord inFlight = fold(withDuplicate);
    assertThat(inFlight.status()).isEqualTo(RotationStatus.ROLLING_OUT);
    assertThat(RotationState.of(inFlight.status())).isEqualTo(RotationState.IN_FLIGHT);
    assertThat(inFlight.endedAt()).isNull();
    assertThat(inFlight.outcome()).isNull();
    assertThat(inFlight.outcomeMessage()).isNull();
    // The admitted request's facts, not the duplicate's.
    assertThat(inFlight.requestedBy()).isEqualTo("alice");
    assertThat(inFlight.reason()).isEqualTo("quarterly rotation");
    assertThat(inFlight.requestedAt()).isEqualTo(fold(events.subList(0, 1)).requestedAt());
    // Both are entries of the rotation all the same.
    assertThat(inFlight.entries()).isEqualTo(8);
    assertThat(inFlight.lastEntry()).isEqualTo(7);

    withDuplicate.addAll(events.subList(6, events.size()));
    RotationRecord completed = fold(withDuplicate);
    assertThat(completed.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(completed)
        .usingRecursiveComparison()
        .ignoringFields("entries", "lastEntry")
        .isEqualTo(fold(events));
    assertThat(completed.entries()).isEqualTo(events.size() + 2);
  }

  @Test
  void aDuplicateRequestAfterTheEndChangesNothing() {
    RotationEvents rotation = RotationEvents.completed("dup-after");
    List<EventEnvelope> events = new ArrayList<>(events(rotation));
    RotationRecord completed = fold(events);
    events.addAll(
        events(rotation.duplicateRequest("mallory", completed.updatedAt().plusSeconds(60))));

    RotationRecord after = fold(events);
    assertThat(after.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(after)
        .usingRecursiveComparison()
        .ignoringFields("entries", "lastEntry", "updatedAt")
        .isEqualTo(completed);
    assertThat(after.entries()).isEqualTo(completed.entries() + 2);
  }

  @Test
  void aRotationWhoseOwnRequestIsRejectedEndsRejectedAndADuplicateOfItChangesNothing() {
    RotationEvents rotation = RotationEvents.rejected("own-rejection");
    List<EventEnvelope> events = new ArrayList<>(events(rotation));
    RotationRecord rejected = fold(events);
    assertThat(rejected.status()).isEqualTo(RotationStatus.REJECTED);
    assertThat(rejected.outcome()).isEqualTo("UNKNOWN_TARGET");
    assertThat(rejected.endedAt()).isEqualTo(events.get(1).time());
    assertThat(RotationProjection.endsRotation(events.get(1).data())).isTrue();

    List<EventEnvelope> duplicate =
        events(rotation.duplicateRequest("mallory", rejected.updatedAt().plusSeconds(60)));
    assertThat(RotationProjection.endsRotation(duplicate.get(1).data())).isFalse();
    events.addAll(duplicate);
    RotationRecord after = fold(events);
    assertThat(after.status()).isEqualTo(RotationStatus.REJECTED);
    assertThat(after.outcome()).isEqualTo("UNKNOWN_TARGET");
    assertThat(after.outcomeMessage()).isEqualTo("no policy target of that name");
    assertThat(after.endedAt()).isEqualTo(rejected.endedAt());
    assertThat(after.requestedBy()).isEqualTo("carol");
    assertThat(after.reason()).isEqualTo("ad hoc");
  }

  @Test
  void aDuplicateRejectionRecordedBeforeTheRotationsOwnEventsEndsNothing() {
    // rotor.keys read before rotor.requests: the answer to a duplicate can come first.
    RotationEvents rotation = RotationEvents.completed("dup-first");
    List<EventEnvelope> events = events(rotation);
    EventEnvelope answer =
        events(rotation.duplicateRequest("mallory", events.get(1).time().plusSeconds(5))).get(1);
    List<EventEnvelope> order = new ArrayList<>();
    order.add(answer);
    order.addAll(events);

    RotationRecord first = fold(order.subList(0, 1));
    assertThat(first.status()).isEqualTo(RotationStatus.UNREQUESTED);
    assertThat(first.progress()).isEqualTo(RotationStatus.REQUESTED);
    assertThat(first.endedAt()).isNull();
    assertThat(first.outcome()).isNull();

    RotationRecord completed = fold(order);
    assertThat(completed.status()).isEqualTo(RotationStatus.COMPLETED);
    assertThat(completed.requestedBy()).isEqualTo("alice");
    assertThat(completed.outcome()).isNull();
    assertThat(completed.endedAt()).isEqualTo(events.get(13).time());
  }

  private static List<EventEnvelope> events(List<RotationEvents.Sent> sent) {
    return sent.stream().map(RotationEvents.Sent::event).toList();
  }

  private static EventEnvelope late(
      EventEnvelope like, String id, EventType type, String source, Instant time, RotorEvent data) {
    return new EventEnvelope(id, type, source, like.subject(), like.rotationId(), time, data);
  }

  private static List<EventEnvelope> events(RotationEvents rotation) {
    return rotation.events().stream().map(RotationEvents.Sent::event).toList();
  }

  private static RotationRecord fold(List<EventEnvelope> events) {
    RotationRecord record = null;
    for (int i = 0; i < events.size(); i++) {
      record = RotationProjection.apply(record, i, events.get(i));
    }
    return record;
  }
}
