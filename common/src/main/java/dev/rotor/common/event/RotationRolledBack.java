package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.util.List;

/**
 * {@code rotation.rolled-back}: The rotation was rolled back everywhere it had been applied, and
 * the rollback verified.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cause why
 * @param clusters the clusters that were rolled back
 * @param commit the rollback commit
 */
public record RotationRolledBack(
    String rotationId,
    String targetId,
    Plan plan,
    String cause,
    List<String> clusters,
    String commit)
    implements RotorEvent, PlanCarrying {

  public RotationRolledBack {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cause, "cause");
    clusters = Checks.listOrEmpty(clusters);
    Checks.nonEmpty(commit, "commit");
  }
}
