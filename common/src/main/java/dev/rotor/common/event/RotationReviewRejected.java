package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rotation.review-rejected}: A reviewer rejects the rotation's change.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param reviewer who rejects
 * @param comment why
 */
public record RotationReviewRejected(
    String rotationId, String targetId, String reviewer, String comment) implements RotorEvent {

  public RotationReviewRejected {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Checks.nonEmpty(reviewer, "reviewer");
  }
}
