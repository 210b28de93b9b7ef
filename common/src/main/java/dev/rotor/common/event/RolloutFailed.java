package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rollout.failed}: A phase could not be completed; the manifest-service rolls back.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param phase which rollout of the stage
 * @param reason the reason code
 * @param message what happened, in words a person can act on; never key material
 */
public record RolloutFailed(
    String rotationId,
    String targetId,
    Plan plan,
    String cluster,
    Phase phase,
    Reasons.Rollout reason,
    String message)
    implements RotorEvent, PlanCarrying {

  public RolloutFailed {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.present(phase, "phase");
    Checks.present(reason, "reason");
    Checks.nonEmpty(message, "message");
  }
}
