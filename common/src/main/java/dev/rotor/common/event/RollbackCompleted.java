package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.time.Instant;
import java.util.List;

/**
 * {@code rollback.completed}: A cluster is back on the old primary key, the new key kept
 * decrypt-only.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param cluster the stage's cluster
 * @param commit the Git commit that was applied
 * @param observedPrimaryKeyId the primary key id read back from the Secret
 * @param pods the pods the rollout produced
 * @param completedAt when
 */
public record RollbackCompleted(
    String rotationId,
    String targetId,
    Plan plan,
    String cluster,
    String commit,
    String observedPrimaryKeyId,
    List<PodStatus> pods,
    Instant completedAt)
    implements RotorEvent, PlanCarrying {

  public RollbackCompleted {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(cluster, "cluster");
    Checks.nonEmpty(commit, "commit");
    Events.requireKeyId(observedPrimaryKeyId, "observedPrimaryKeyId");
    pods = Checks.listOrEmpty(pods);
    Checks.present(completedAt, "completedAt");
  }
}
