package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.time.Instant;

/**
 * {@code verification.started}: The verifier is soaking a stage.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param soakEndsAt when the soak ends if nothing fails
 */
public record VerificationStarted(
    String rotationId, String targetId, Plan plan, String cluster, Instant soakEndsAt)
    implements RotorEvent, PlanCarrying {

  public VerificationStarted {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.present(soakEndsAt, "soakEndsAt");
  }
}
