package dev.rotor.common.keyring;

import dev.rotor.common.crypto.Fingerprints;
import java.util.Locale;
import java.util.Optional;

/**
 * Names of the keyring's entries in a Kubernetes Secret, and their environment-variable
 * equivalents.
 *
 * <ul>
 *   <li>{@code keyring.primary}: the primary key id, 8 lowercase hex characters (no newline).
 *   <li>{@code keyring.key.<keyid>}: one per key in the ring, the raw 32 key bytes (in a manifest's
 *       base64 {@code data}, exactly the {@code openssl rand -base64 32} text).
 * </ul>
 *
 * Mounted as a volume, each entry is a file of that name. Environment variables: {@code
 * ROTOR_KEYRING_PRIMARY} (the key id) and {@code ROTOR_KEYRING_KEY_<KEYID>} (key id in uppercase;
 * the value is the key's base64 text, since a variable cannot hold arbitrary bytes).
 */
public final class KeyringLayout {
  /** Data key holding the primary key id. */
  public static final String PRIMARY_DATA_KEY = "keyring.primary";

  /** Prefix of the data keys holding the keys; the key id follows. */
  public static final String KEY_DATA_KEY_PREFIX = "keyring.key.";

  /** Environment variable holding the primary key id. */
  public static final String PRIMARY_ENV_VAR = "ROTOR_KEYRING_PRIMARY";

  /**
   * Prefix of the environment variables holding the keys (base64); the uppercase key id follows.
   */
  public static final String KEY_ENV_VAR_PREFIX = "ROTOR_KEYRING_KEY_";

  private KeyringLayout() {}

  /** {@code keyring.key.<keyId>}. */
  public static String dataKeyOf(String keyId) {
    return KEY_DATA_KEY_PREFIX + requireKeyId(keyId, "keyId");
  }

  /** The key id of a {@code keyring.key.<keyid>} data key; empty for any other data key. */
  public static Optional<String> keyIdOfDataKey(String dataKey) {
    if (dataKey == null || !dataKey.startsWith(KEY_DATA_KEY_PREFIX)) {
      return Optional.empty();
    }
    String keyId = dataKey.substring(KEY_DATA_KEY_PREFIX.length());
    return Fingerprints.isKeyId(keyId) ? Optional.of(keyId) : Optional.empty();
  }

  /** Whether a data key belongs to the keyring (the primary entry or a key entry). */
  public static boolean isKeyringDataKey(String dataKey) {
    return PRIMARY_DATA_KEY.equals(dataKey) || keyIdOfDataKey(dataKey).isPresent();
  }

  /** {@code ROTOR_KEYRING_KEY_<KEYID>}, the key id in uppercase. */
  public static String envVarOf(String keyId) {
    return KEY_ENV_VAR_PREFIX + requireKeyId(keyId, "keyId").toUpperCase(Locale.ROOT);
  }

  /**
   * Returns {@code keyId} when it is a key id (8 lowercase hex characters, the start of the key's
   * fingerprint).
   *
   * @throws KeyringException {@link KeyringException.Reason#INVALID_KEY_ID} naming {@code field}
   */
  public static String requireKeyId(String keyId, String field) {
    if (!Fingerprints.isKeyId(keyId)) {
      // Never echo the value: a key given where its id belongs must not reach a log.
      String got =
          keyId == null
              ? "nothing"
              : keyId.length() == Fingerprints.KEY_ID_LENGTH && keyId.matches("[0-9A-Fa-f]+")
                  ? "hex with uppercase letters"
                  : keyId.length() + " characters";
      throw new KeyringException(
          KeyringException.Reason.INVALID_KEY_ID,
          field
              + ": not a key id (expected 8 lowercase hex characters, the start of the key's"
              + " fingerprint; got "
              + got
              + ")");
    }
    return keyId;
  }
}
