package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rollback.failed}: A cluster could not be rolled back: people are paged.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param reason the reason code
 * @param message what happened, in words a person can act on; never key material
 */
public record RollbackFailed(
    String rotationId,
    String targetId,
    Plan plan,
    String cluster,
    Reasons.Rollout reason,
    String message)
    implements RotorEvent, PlanCarrying {

  public RollbackFailed {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.present(reason, "reason");
    Checks.nonEmpty(message, "message");
  }
}
