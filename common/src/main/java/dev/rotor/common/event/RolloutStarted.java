package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code rollout.started}: A cluster-agent began a phase: apply, restart, wait.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param phase which rollout of the stage
 * @param commit the Git commit that was applied
 */
public record RolloutStarted(
    String rotationId, String targetId, Plan plan, String cluster, Phase phase, String commit)
    implements RotorEvent, PlanCarrying {

  public RolloutStarted {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.present(phase, "phase");
    Checks.nonEmpty(commit, "commit");
  }
}
