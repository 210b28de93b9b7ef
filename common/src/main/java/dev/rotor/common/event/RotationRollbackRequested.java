package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rotation.rollback-requested}: A person asks for a rotation to be rolled back.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param requestedBy who asks
 * @param reason why
 */
public record RotationRollbackRequested(
    String rotationId, String targetId, String requestedBy, String reason) implements RotorEvent {

  public RotationRollbackRequested {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Checks.nonEmpty(requestedBy, "requestedBy");
  }
}
