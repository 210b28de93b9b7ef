package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.util.List;

/**
 * {@code verification.passed}: A stage stayed healthy through its soak; the next stage may start.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param evidence what was observed
 */
public record VerificationPassed(
    String rotationId, String targetId, Plan plan, String cluster, List<Evidence> evidence)
    implements RotorEvent, PlanCarrying {

  public VerificationPassed {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    evidence = Checks.listOrEmpty(evidence);
  }
}
