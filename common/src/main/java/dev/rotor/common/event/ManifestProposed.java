package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;

/**
 * {@code manifest.proposed}: The change is in Git on its own branch, as two commits (distribute,
 * then promote), and waits for review.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param fingerprint lowercase hex SHA-256 of the new key's base64 text
 * @param previousKeyId the primary key id before the rotation; none for a first rotation
 * @param branch the branch, {@code rotor/<target>/<short rotation id>}
 * @param distributeCommit the commit that adds the new key as decrypt-only
 * @param promoteCommit the commit that makes it primary
 * @param changeRequestUrl the pull request; none for the local review provider
 */
public record ManifestProposed(
    String rotationId,
    String targetId,
    Plan plan,
    String fingerprint,
    String previousKeyId,
    String branch,
    String distributeCommit,
    String promoteCommit,
    String changeRequestUrl)
    implements RotorEvent, PlanCarrying {

  public ManifestProposed {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Events.requireFingerprint(fingerprint, "fingerprint");
    Checks.nonEmpty(branch, "branch");
    Checks.nonEmpty(distributeCommit, "distributeCommit");
    Checks.nonEmpty(promoteCommit, "promoteCommit");
  }
}
