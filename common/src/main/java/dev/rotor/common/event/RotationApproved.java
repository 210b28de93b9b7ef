package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rotation.approved}: A person approves a rotation (the local review provider), or forces
 * promotion past an inconclusive verdict.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param approver who approves
 * @param force promote past an inconclusive verdict
 * @param comment why
 */
public record RotationApproved(
    String rotationId, String targetId, String approver, boolean force, String comment)
    implements RotorEvent {

  public RotationApproved {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Checks.nonEmpty(approver, "approver");
  }
}
