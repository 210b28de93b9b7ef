package dev.rotor.manifest.events;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationReviewRejected;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.manifest.rotation.InputKind;
import dev.rotor.manifest.rotation.ManifestMetrics;
import dev.rotor.manifest.rotation.RotationInputRecord;
import dev.rotor.manifest.rotation.RotationRecord;
import dev.rotor.manifest.rotation.RotationStore;
import dev.rotor.manifest.rotation.WorkArrived;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * What people and the other services say about a rotation: approvals and rejections ({@code
 * rotor.approvals}), the clusters that applied it and failed rollouts ({@code rotor.rollouts}),
 * failed verifications ({@code rotor.verifications}). Each is recorded once by event id and wakes
 * the worker; an approval may arrive before the rotation is known and counts when it is. The
 * verifier's {@code rotation.completed} is recorded on the merged rotation only (for the key
 * material purge), and wakes nothing.
 */
@ApplicationScoped
public class InputConsumers {
  private static final Logger LOG = Logger.getLogger(InputConsumers.class);

  private final RotationStore store;
  private final Event<WorkArrived> work;
  private final ManifestMetrics metrics;
  private final Clock clock;

  public InputConsumers(
      RotationStore store, Event<WorkArrived> work, ManifestMetrics metrics, Clock clock) {
    this.store = store;
    this.work = work;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Incoming("approvals")
  @Blocking
  public void approvals(ConsumerRecord<String, byte[]> record) {
    Failures.guard(record, () -> approvalsEvent(record));
  }

  private void approvalsEvent(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    if (event.data() instanceof RotationApproved approved) {
      record(
          record,
          event,
          InputKind.APPROVED,
          approved.approver(),
          approved.force(),
          null,
          approved.comment(),
          null,
          null);
    } else if (event.data() instanceof RotationReviewRejected rejected) {
      record(
          record,
          event,
          InputKind.REJECTED,
          rejected.reviewer(),
          false,
          null,
          rejected.comment(),
          null,
          null);
    } else if (event.data() instanceof RotationRollbackRequested rollback) {
      record(
          record,
          event,
          InputKind.ROLLBACK,
          rollback.requestedBy(),
          false,
          null,
          "rollback requested by "
              + rollback.requestedBy()
              + (rollback.reason() == null || rollback.reason().isBlank()
                  ? ""
                  : ": " + rollback.reason()),
          null,
          null);
    } else {
      skip(event);
    }
  }

  @Incoming("rollouts")
  @Blocking
  public void rollouts(ConsumerRecord<String, byte[]> record) {
    Failures.guard(record, () -> rolloutsEvent(record));
  }

  private void rolloutsEvent(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    if (event.data() instanceof RolloutStarted started) {
      cluster(record, event, started.cluster());
    } else if (event.data() instanceof RolloutCompleted completed) {
      cluster(record, event, completed.cluster());
    } else if (event.data() instanceof RolloutFailed failed) {
      if (!RotationInputRecord.refusedAtIntake(failed.phase(), failed.reason())) {
        // A refusal applied nothing there: that cluster has nothing to roll back (its agent
        // would refuse the rollback too, for the same reason, and fail it).
        cluster(record, event, failed.cluster());
      }
      record(
          record,
          event,
          InputKind.ROLLBACK,
          null,
          false,
          failed.cluster(),
          "rollout.failed on "
              + failed.cluster()
              + " ("
              + failed.phase()
              + ", "
              + failed.reason()
              + "): "
              + failed.message(),
          failed.phase(),
          failed.reason());
    } else {
      skip(event);
    }
  }

  @Incoming("verifications")
  @Blocking
  public void verifications(ConsumerRecord<String, byte[]> record) {
    Failures.guard(record, () -> verificationsEvent(record));
  }

  private void verificationsEvent(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event = IncomingEvents.decode(record);
    if (event.data() instanceof VerificationFailed failed) {
      record(
          record,
          event,
          InputKind.ROLLBACK,
          null,
          false,
          failed.cluster(),
          "verification.failed on "
              + failed.cluster()
              + " ("
              + failed.reason()
              + "): "
              + failed.message(),
          null,
          null);
    } else if (event.data() instanceof RotationCompleted completed) {
      completed(record, event, completed);
    } else {
      skip(event);
    }
  }

  /**
   * The verifier's {@code rotation.completed} (its source checked by the binding: any other goes to
   * {@code rotor.dlq} as {@code FORGED_SOURCE}; another target than the rotation's as {@code
   * MISMATCH}, like every input): recorded on the merged rotation it names, once, for the key
   * material purge to go by. It changes neither the status nor what the worker does: a person may
   * still roll the rotation back. An unknown rotation, one not merged (or ended), another key's
   * fingerprint, or a completion recorded before change nothing.
   */
  private void completed(
      ConsumerRecord<String, byte[]> record, EventEnvelope event, RotationCompleted completed) {
    metrics.received(event.type().eventName());
    Optional<RotationRecord> rotation = store.find(event.rotationId());
    requireSameTarget(record, event, rotation);
    if (rotation.isEmpty()) {
      LOG.infof(
          "ROTOR-2095 rotation.completed %s for rotation %s, which is not known: nothing to"
              + " record",
          event.id(), event.rotationId());
      return;
    }
    RotationRecord known = rotation.get();
    if (!known.fingerprint.equals(completed.fingerprint())) {
      LOG.warnf(
          "ROTOR-2096 rotation.completed %s for rotation %s names key fingerprint %s, not the"
              + " rotation's %s: not recorded, its sealed key is kept",
          event.id(), event.rotationId(), completed.fingerprint(), known.fingerprint);
      return;
    }
    if (store.recordCompletion(
        event.rotationId(),
        event.subject(),
        completed.fingerprint(),
        event.id(),
        clock.instant())) {
      LOG.infof(
          "ROTOR-2094 rotation %s of %s completed (rotation.completed %s) recorded; it stays %s",
          event.rotationId(), event.subject(), event.id(), known.status);
    } else if (known.completedAt != null) {
      LOG.debugf(
          "ROTOR-2095 rotation.completed %s for rotation %s: its completion was recorded before"
              + " (%s): nothing to do",
          event.id(), event.rotationId(), known.completedEventId);
    } else {
      LOG.infof(
          "ROTOR-2095 rotation.completed %s for rotation %s, which is %s, not merged: nothing to"
              + " record",
          event.id(), event.rotationId(), known.status);
    }
  }

  private void record(
      ConsumerRecord<String, byte[]> record,
      EventEnvelope event,
      InputKind kind,
      String actor,
      boolean force,
      String cluster,
      String detail,
      Phase phase,
      Reasons.Rollout reason) {
    metrics.received(event.type().eventName());
    Optional<RotationRecord> rotation = store.find(event.rotationId());
    requireSameTarget(record, event, rotation);
    boolean recorded =
        store.recordInput(
            event.id(),
            event.rotationId(),
            event.subject(),
            kind,
            actor,
            force,
            cluster,
            detail,
            phase,
            reason,
            clock.instant());
    if (!recorded) {
      LOG.debugf("ROTOR-2023 %s %s was processed before: nothing to do", event.type(), event.id());
      return;
    }
    if (rotation.isEmpty()) {
      LOG.infof(
          "ROTOR-2024 %s %s for rotation %s, which is not known yet: kept until its key.generated"
              + " arrives",
          event.type().eventName(), event.id(), event.rotationId());
      return;
    }
    LOG.infof(
        "ROTOR-2025 %s for rotation %s of %s recorded%s",
        event.type().eventName(),
        event.rotationId(),
        event.subject(),
        actor == null ? "" : " (" + actor + ")");
    if (rotation.get().status.isOpen()) {
      store.wake(event.rotationId(), clock.instant());
      work.fire(new WorkArrived(event.rotationId()));
    } else {
      LOG.infof(
          "ROTOR-2026 rotation %s has ended (%s): %s changes nothing",
          event.rotationId(), rotation.get().status, event.type().eventName());
    }
  }

  private void cluster(ConsumerRecord<String, byte[]> record, EventEnvelope event, String cluster) {
    Optional<RotationRecord> rotation = store.find(event.rotationId());
    requireSameTarget(record, event, rotation);
    if (store.recordCluster(event.rotationId(), cluster, event.id(), clock.instant())) {
      LOG.debugf("ROTOR-2027 rotation %s is being applied on %s", event.rotationId(), cluster);
    }
  }

  private void requireSameTarget(
      ConsumerRecord<String, byte[]> record, EventEnvelope event, Optional<RotationRecord> known) {
    if (known.isPresent() && !known.get().targetId.equals(event.subject())) {
      throw IncomingEvents.deadLetter(
          record,
          new DeadLetterException(
              "MISMATCH",
              "subject: rotation "
                  + event.rotationId()
                  + " belongs to another target than this event names"));
    }
  }

  private static void skip(EventEnvelope event) {
    LOG.debugf("ROTOR-2020 skipping %s %s: not for this consumer", event.type(), event.id());
  }
}
