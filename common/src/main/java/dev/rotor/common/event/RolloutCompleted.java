package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.time.Instant;
import java.util.List;

/**
 * {@code rollout.completed}: Every Deployment of the stage rolled out with the phase's keyring.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param phase which rollout of the stage
 * @param commit the Git commit that was applied
 * @param observedFingerprint the fingerprint of the new key as read back from the Secret in the
 *     cluster
 * @param observedPrimaryKeyId the primary key id read back from the Secret
 * @param pods the pods the rollout produced
 * @param completedAt when
 */
public record RolloutCompleted(
    String rotationId,
    String targetId,
    Plan plan,
    String cluster,
    Phase phase,
    String commit,
    String observedFingerprint,
    String observedPrimaryKeyId,
    List<PodStatus> pods,
    Instant completedAt)
    implements RotorEvent, PlanCarrying {

  public RolloutCompleted {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.present(phase, "phase");
    Checks.nonEmpty(commit, "commit");
    Events.requireFingerprint(observedFingerprint, "observedFingerprint");
    Events.requireKeyId(observedPrimaryKeyId, "observedPrimaryKeyId");
    pods = Checks.listOrEmpty(pods);
    Checks.present(completedAt, "completedAt");
  }
}
