package dev.rotor.clusteragent.apply;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.event.Phase;
import java.util.Map;

/**
 * What the Secret must hold after a phase's manifest is applied: an acknowledged apply is not
 * proof, the Secret read back is.
 *
 * <ul>
 *   <li>distribute: the new key, with its fingerprint;
 *   <li>promote: that, and the new key as primary;
 *   <li>rollback: a primary other than the new key, and that primary's key;
 *   <li>for a plain Secret, also every keyring entry exactly as in the manifest.
 * </ul>
 *
 * @param phase the phase
 * @param fingerprint the new key's fingerprint; null when unknown (a rollback whose rotation
 *     commits cannot be found)
 * @param manifestDigests a plain Secret's keyring entries as the manifest has them; empty for a
 *     SealedSecret
 * @param sealedGeneration for a SealedSecret: the generation the apply produced, which the
 *     controller must have processed (when it reports one)
 */
public record SecretExpectation(
    Phase phase, String fingerprint, Map<String, String> manifestDigests, Long sealedGeneration) {

  /** The new key's id, or null. */
  public String newKeyId() {
    return fingerprint == null ? null : Fingerprints.keyIdOf(fingerprint);
  }

  /** Whether {@code observed} holds what this expects; null means the Secret does not exist. */
  public boolean isMetBy(SecretObservation observed) {
    if (observed == null) {
      return false;
    }
    for (Map.Entry<String, String> entry : manifestDigests.entrySet()) {
      if (!entry.getValue().equals(observed.digests().get(entry.getKey()))) {
        return false;
      }
    }
    if (sealedGeneration != null
        && observed.sealedGeneration() != null
        && (observed.sealedGeneration() < sealedGeneration
            || Boolean.FALSE.equals(observed.sealedSynced()))) {
      return false;
    }
    String newKeyId = newKeyId();
    return switch (phase) {
      case DISTRIBUTE -> fingerprint.equals(observed.fingerprintOf(newKeyId));
      case PROMOTE ->
          fingerprint.equals(observed.fingerprintOf(newKeyId))
              && newKeyId.equals(observed.primaryKeyId());
      case ROLLBACK ->
          observed.primaryKeyId() != null
              && observed.holdsKey(observed.primaryKeyId())
              && (newKeyId == null || !newKeyId.equals(observed.primaryKeyId()));
    };
  }

  /** What is missing, in words (no values). */
  public String describe() {
    String newKeyId = newKeyId();
    return switch (phase) {
      case DISTRIBUTE -> "key " + newKeyId + " with fingerprint " + fingerprint;
      case PROMOTE -> "key " + newKeyId + " with fingerprint " + fingerprint + " as primary";
      case ROLLBACK ->
          newKeyId == null
              ? "the rolled-back keyring"
              : "a primary key other than " + newKeyId + " (the old primary)";
    };
  }
}
