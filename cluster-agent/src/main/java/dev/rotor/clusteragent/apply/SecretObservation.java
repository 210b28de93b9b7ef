package dev.rotor.clusteragent.apply;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.keyring.KeyringLayout;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the agent may know of a Secret: for each keyring entry the SHA-256 of its base64 value (for
 * a key entry that is the key's fingerprint) and the primary key id. The values themselves are read
 * only to compute these and are not kept.
 *
 * @param digests data key to digest, keyring entries only
 * @param primaryKeyId the value of {@code keyring.primary} if it is a key id, else null
 * @param sealedGeneration for a SealedSecret: the generation its controller last processed (null if
 *     it reports none)
 * @param sealedSynced for a SealedSecret: the controller's {@code Synced} condition (null if none)
 * @param sealedMessage for a SealedSecret: the controller's message, if any
 */
public record SecretObservation(
    Map<String, String> digests,
    String primaryKeyId,
    Long sealedGeneration,
    Boolean sealedSynced,
    String sealedMessage) {

  /** Reads the keyring of a Secret's {@code data} (base64 values as the API returns them). */
  public static SecretObservation of(Map<String, String> data) {
    Map<String, String> digests = new LinkedHashMap<>();
    String primary = null;
    if (data != null) {
      for (Map.Entry<String, String> entry : data.entrySet()) {
        if (!KeyringLayout.isKeyringDataKey(entry.getKey()) || entry.getValue() == null) {
          continue;
        }
        digests.put(entry.getKey(), Fingerprints.ofBase64(entry.getValue()));
        if (entry.getKey().equals(KeyringLayout.PRIMARY_DATA_KEY)) {
          primary = decodeKeyId(entry.getValue());
        }
      }
    }
    return new SecretObservation(Map.copyOf(digests), primary, null, null, null);
  }

  /** The same with the SealedSecret controller's report. */
  public SecretObservation withSealedStatus(Long generation, Boolean synced, String message) {
    return new SecretObservation(digests, primaryKeyId, generation, synced, message);
  }

  /** The fingerprint of key {@code keyId} in the Secret, or null if it is not there. */
  public String fingerprintOf(String keyId) {
    return digests.get(KeyringLayout.dataKeyOf(keyId));
  }

  /** Whether the Secret holds key {@code keyId}. */
  public boolean holdsKey(String keyId) {
    return keyId != null && digests.containsKey(KeyringLayout.dataKeyOf(keyId));
  }

  private static String decodeKeyId(String base64) {
    try {
      String value =
          new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII).strip();
      return Fingerprints.isKeyId(value) ? value : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
