package dev.rotor.manifest.rotation;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.plan.Plan;
import java.time.Instant;
import java.util.Objects;

/**
 * The public part of a rotation's {@code key.generated}: exactly the fields {@link
 * KeyMaterialPurge} keeps ({@link KeyMaterialPurge#KEPT_FIELDS}), none of them key material. What
 * the worker needs of a rotation whose new key is already in Git: a rollback (it writes the
 * previous key back as primary, and names the new one by id and fingerprint), a failure, a retry.
 * Readable from a purged row as from a whole one ({@link RotationRecord#keyFacts}).
 *
 * @param rotationId the rotation
 * @param targetId its target
 * @param plan the plan fixed when the request was admitted
 * @param requestedBy who asked
 * @param keyId the new key's id
 * @param fingerprint the new key's fingerprint
 * @param generatedAt when the key was generated
 */
public record KeyFacts(
    String rotationId,
    String targetId,
    Plan plan,
    String requestedBy,
    String keyId,
    String fingerprint,
    Instant generatedAt) {

  public KeyFacts {
    Objects.requireNonNull(rotationId, "rotationId");
    Objects.requireNonNull(targetId, "targetId");
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(requestedBy, "requestedBy");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(generatedAt, "generatedAt");
  }

  /** The public part of {@code key}. */
  public static KeyFacts of(KeyGenerated key) {
    return new KeyFacts(
        key.rotationId(),
        key.targetId(),
        key.plan(),
        key.requestedBy(),
        key.keyId(),
        key.fingerprint(),
        key.generatedAt());
  }

  /**
   * Reads the {@code key_event} of a purged row (the kept fields only; anything else is refused, as
   * the event codec refuses unknown fields).
   */
  static KeyFacts decode(String rotationId, String keyEvent) {
    try {
      KeyFacts facts = EventCodec.mapper().readValue(keyEvent, KeyFacts.class);
      if (facts == null || !rotationId.equals(facts.rotationId())) {
        throw new IllegalStateException(
            "rotation " + rotationId + ": its purged key_event names another rotation");
      }
      return facts;
    } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
      throw new IllegalStateException(
          "rotation "
              + rotationId
              + ": the public fields of its purged key_event cannot be read ("
              + e.getClass().getSimpleName()
              + ")",
          e);
    }
  }
}
