package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.util.List;

/**
 * {@code rotation.completed}: The last stage passed: the rotation is done. This is the rotation
 * record of the runbook's ledger step.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param previousFingerprint the fingerprint of the key that was primary before; none when it is
 *     unknown (first rotation, or sealed in Git)
 * @param fingerprint lowercase hex SHA-256 of the new key's base64 text
 * @param requestedBy who asked
 * @param approvers who approved
 * @param commit the merged commit that was applied
 * @param verdicts every stage's verdict
 */
public record RotationCompleted(
    String rotationId,
    String targetId,
    Plan plan,
    String previousFingerprint,
    String fingerprint,
    String requestedBy,
    List<String> approvers,
    String commit,
    List<StageVerdict> verdicts)
    implements RotorEvent, PlanCarrying {

  public RotationCompleted {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    if (previousFingerprint != null) {
      Events.requireFingerprint(previousFingerprint, "previousFingerprint");
    }
    Events.requireFingerprint(fingerprint, "fingerprint");
    Checks.nonEmpty(requestedBy, "requestedBy");
    approvers = Checks.listOrEmpty(approvers);
    Checks.nonEmpty(commit, "commit");
    verdicts = Events.nonEmptyList(verdicts, "verdicts");
  }
}
