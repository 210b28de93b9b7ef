package dev.rotor.common.event;

import dev.rotor.common.Checks;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.TargetIds;
import java.time.Instant;
import java.util.List;

/**
 * {@code key.generated}: A request was admitted: the plan is fixed and the new key exists, sealed
 * for its recipients only.
 *
 * @param rotationId the rotation this event belongs to
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param plan the plan fixed when the request was admitted
 * @param requestedBy who asked
 * @param keyId the first 8 hex characters of the fingerprint
 * @param fingerprint lowercase hex SHA-256 of the new key's base64 text
 * @param sealed the key sealed for the manifest (per cluster certificate, or to the
 *     manifest-service)
 * @param escrow the copy sealed to the security team
 * @param generatedAt when
 */
public record KeyGenerated(
    String rotationId,
    String targetId,
    Plan plan,
    String requestedBy,
    String keyId,
    String fingerprint,
    List<SealedKey> sealed,
    Escrow escrow,
    Instant generatedAt)
    implements RotorEvent, PlanCarrying {

  public KeyGenerated {
    Checks.rotationId(rotationId, "rotationId");
    TargetIds.requireValid(targetId, "targetId");
    Events.requirePlanFor(plan, targetId);
    Checks.nonEmpty(requestedBy, "requestedBy");
    Events.requireKeyId(keyId, "keyId");
    Events.requireFingerprint(fingerprint, "fingerprint");
    sealed = Events.nonEmptyList(sealed, "sealed");
    Checks.present(escrow, "escrow");
    Checks.present(generatedAt, "generatedAt");
    if (!fingerprint.startsWith(keyId)) {
      throw new IllegalArgumentException(
          "keyId: must be the first 8 characters of the fingerprint");
    }
  }
}
