package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.util.List;

/**
 * {@code manifest.approved}: The change was approved and merged: stage 1 may start.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param fingerprint lowercase hex SHA-256 of the new key's base64 text
 * @param mergeCommit the commit on the default branch
 * @param distributeCommit the distribute state on the default branch
 * @param promoteCommit the promote state on the default branch
 * @param approvers who approved
 * @param forced whether a person forced the approval past an inconclusive verdict
 */
public record ManifestApproved(
    String rotationId,
    String targetId,
    Plan plan,
    String fingerprint,
    String mergeCommit,
    String distributeCommit,
    String promoteCommit,
    List<String> approvers,
    boolean forced)
    implements RotorEvent, PlanCarrying {

  public ManifestApproved {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Events.requireFingerprint(fingerprint, "fingerprint");
    Checks.nonEmpty(mergeCommit, "mergeCommit");
    Checks.nonEmpty(distributeCommit, "distributeCommit");
    Checks.nonEmpty(promoteCommit, "promoteCommit");
    approvers = Checks.listOrEmpty(approvers);
  }
}
