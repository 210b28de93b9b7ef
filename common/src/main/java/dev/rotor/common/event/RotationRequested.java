package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.TargetIds;
import java.time.Instant;
import java.util.List;

/**
 * {@code rotation.requested}: A service or a person asks for a target's key to be rotated. Only the
 * target and the rotation id are checked here; the key-generator admits or rejects the rest with
 * {@code rotation.rejected}.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param requestedBy who asks (the operator recorded in the ledger); admission rejects a request
 *     without one
 * @param reason why, in words; admission bounds its length
 * @param stages the clusters to rotate, a subset of the policy's stages in policy order; empty for
 *     all
 * @param requestedAt when it was asked
 */
public record RotationRequested(
    String rotationId,
    String targetId,
    String requestedBy,
    String reason,
    List<String> stages,
    Instant requestedAt)
    implements RotorEvent {

  public RotationRequested {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    stages = Checks.listOrEmpty(stages);
  }
}
