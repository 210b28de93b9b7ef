package dev.rotor.common.event;

/**
 * The data of a Rotor event: one record per event type, carried as the JSON {@code data} of a
 * CloudEvent whose attributes live in Kafka headers (binary mode). A change of a record's shape is
 * a new type version ({@code .v2}), so old entries stay readable.
 */
public sealed interface RotorEvent
    permits RotationRequested,
        RotationRejected,
        KeyGenerated,
        RotationDue,
        ManifestProposed,
        ManifestApproved,
        ManifestRolledBack,
        RolloutWaiting,
        RolloutStarted,
        RolloutCompleted,
        RolloutFailed,
        RollbackCompleted,
        RollbackFailed,
        VerificationStarted,
        VerificationPassed,
        VerificationFailed,
        VerificationInconclusive,
        RotationCompleted,
        RotationRolledBack,
        RotationFailed,
        LedgerCheckpoint,
        RotationApproved,
        RotationReviewRejected,
        RotationRollbackRequested {

  /** The rotation this event belongs to; {@code null} for events outside a rotation. */
  String rotationId();

  /** The target, {@code <namespace>/<secret name>}; {@code null} for events about no target. */
  String targetId();

  /**
   * The CloudEvents subject and Kafka record key: the target id, so a target's events stay ordered.
   */
  default String subject() {
    return targetId();
  }

  /** This event's type. */
  default EventType type() {
    return EventType.of(getClass());
  }
}
