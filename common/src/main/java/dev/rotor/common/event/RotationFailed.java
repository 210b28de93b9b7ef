package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rotation.failed}: The rotation ended without completing (review rejected, manifest
 * conflict, rollback failed).
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan, when the rotation got that far
 * @param reason the reason code
 * @param message what happened, in words a person can act on; never key material
 */
public record RotationFailed(
    String rotationId, String targetId, Plan plan, Reasons.RotationFailure reason, String message)
    implements RotorEvent, PlanCarrying {

  public RotationFailed {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    if (plan != null) {
      Events.requirePlanFor(plan, targetId);
    }
    Checks.present(reason, "reason");
    Checks.nonEmpty(message, "message");
  }
}
