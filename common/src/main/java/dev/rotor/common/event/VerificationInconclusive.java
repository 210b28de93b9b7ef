package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.util.List;

/**
 * {@code verification.inconclusive}: The verifier could not decide (no data, NaN, an empty result):
 * promotion holds and a person decides.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param message what happened, in words a person can act on; never key material
 * @param evidence what was observed
 */
public record VerificationInconclusive(
    String rotationId,
    String targetId,
    Plan plan,
    String cluster,
    String message,
    List<Evidence> evidence)
    implements RotorEvent, PlanCarrying {

  public VerificationInconclusive {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.nonEmpty(message, "message");
    evidence = Checks.listOrEmpty(evidence);
  }
}
