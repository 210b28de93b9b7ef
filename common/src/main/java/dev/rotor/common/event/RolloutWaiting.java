package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.time.Instant;

/**
 * {@code rollout.waiting}: A stage is held until its maintenance window opens.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param phase which rollout of the stage
 * @param startsAt when the window opens and the rollout starts
 */
public record RolloutWaiting(
    String rotationId, String targetId, Plan plan, String cluster, Phase phase, Instant startsAt)
    implements RotorEvent, PlanCarrying {

  public RolloutWaiting {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.present(phase, "phase");
    Checks.present(startsAt, "startsAt");
  }
}
