package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.util.List;

/**
 * {@code manifest.rolled-back}: The rollback state is committed on the default branch: the old key
 * is primary again and the new key stays decrypt-only, so data written with it stays readable. Only
 * a SealedSecret's new key that reached no cluster's Secret (its distribute failed to unseal on
 * every cluster that tried it) is removed instead: nothing can have been encrypted with it.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param rollbackCommit the rollback commit
 * @param clusters the clusters that had applied the rotation and must roll back; empty when the
 *     rollback came before any stage ran (only Git is rolled back)
 * @param cause why (the failure or request that caused it)
 */
public record ManifestRolledBack(
    String rotationId,
    String targetId,
    Plan plan,
    String rollbackCommit,
    List<String> clusters,
    String cause)
    implements RotorEvent, PlanCarrying {

  public ManifestRolledBack {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(rollbackCommit, "rollbackCommit");
    clusters = Checks.listOrEmpty(clusters);
    Checks.nonEmpty(cause, "cause");
  }
}
