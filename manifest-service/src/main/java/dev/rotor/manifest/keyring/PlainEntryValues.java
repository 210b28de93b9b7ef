package dev.rotor.manifest.keyring;

import dev.rotor.common.crypto.Age;
import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.CryptoException;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.SealedKey;
import dev.rotor.manifest.RotationFailedException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Values for a {@code secret} manifest, only where the policy allows plaintext in Git: the new key
 * is opened from its age hand-over with the manifest-service's identity, checked against the
 * fingerprint in key.generated, and written as base64 (the runbook's literal format). {@link
 * #close()} zeroes the key's buffers; the base64 String handed to the manifest editor cannot be
 * zeroed (see docs/crypto.md, "Buffers are zeroed").
 */
public final class PlainEntryValues implements EntryValues {
  private final GeneratedKey key;

  private PlainEntryValues(GeneratedKey key) {
    this.key = key;
  }

  /**
   * Opens the age-sealed copy of the key addressed to one of {@code identities}.
   *
   * @throws RotationFailedException {@code MANIFEST_INVALID} when the service has no identity, no
   *     copy is addressed to it, or the copy does not match the fingerprint
   */
  public static PlainEntryValues open(KeyGenerated event, List<AgeIdentity> identities) {
    if (identities.isEmpty()) {
      throw RotationFailedException.invalid(
          "manifest.format secret needs the manifest-service's age identity to open the key:"
              + " set rotor.manifest-service.age-identity-file");
    }
    List<String> ours = identities.stream().map(i -> i.recipient().value()).toList();
    Optional<SealedKey> copy =
        event.sealed().stream()
            .filter(s -> s.kind() == SealedKey.Kind.AGE && ours.contains(s.recipient()))
            .findFirst();
    if (copy.isEmpty()) {
      throw RotationFailedException.invalid(
          "key.generated has no age-sealed copy for this manifest-service (its recipients: "
              + ours
              + "; sealed to: "
              + event.sealed().stream()
                  .filter(s -> s.kind() == SealedKey.Kind.AGE)
                  .map(SealedKey::recipient)
                  .toList()
              + "); configure the key-generator with this service's recipient");
    }
    byte[] plaintext = null;
    GeneratedKey key = null;
    try {
      plaintext = Age.decrypt(copy.get().ciphertext(), identities);
      if (plaintext.length == GeneratedKey.RAW_LENGTH) {
        key = GeneratedKey.fromRaw(plaintext);
      } else if (plaintext.length == GeneratedKey.BASE64_LENGTH) {
        key = GeneratedKey.fromBase64(plaintext);
      } else {
        throw RotationFailedException.invalid(
            "key.generated: the age-sealed key holds "
                + plaintext.length
                + " bytes; expected the 32 raw bytes or their 44-character base64 text");
      }
      if (!key.fingerprint().equals(event.fingerprint())) {
        key.close();
        throw RotationFailedException.invalid(
            "key.generated: the age-sealed key has fingerprint "
                + key.fingerprint()
                + ", not the event's "
                + event.fingerprint());
      }
      return new PlainEntryValues(key);
    } catch (CryptoException e) {
      throw RotationFailedException.invalid("key.generated: " + e.getMessage());
    } finally {
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  /** Values for a rollback: only {@code keyring.primary} changes, and it holds a key id. */
  public static EntryValues forPrimaryOnly() {
    return new EntryValues() {
      @Override
      public String newKeyValue() {
        throw new IllegalStateException("no new key in a rollback");
      }

      @Override
      public String primaryValue(String keyId) {
        return PlainEntryValues.primary(keyId);
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public String newKeyValue() {
    return key.revealBase64();
  }

  @Override
  public String primaryValue(String keyId) {
    return primary(keyId);
  }

  private static String primary(String keyId) {
    return Base64.getEncoder().encodeToString(keyId.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void close() {
    key.close();
  }
}
