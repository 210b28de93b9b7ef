package dev.rotor.manifest.keyring;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.keyring.KeyringException;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.common.keyring.KeyringState;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.yaml.SecretManifest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The keyring held by a manifest: its state, or none for a Secret that has no entries yet (a new
 * keyring, which the first rotation creates).
 *
 * <p>In a {@code secret} manifest the primary key id is the base64 value of {@code
 * keyring.primary}. In a {@code sealed-secret} manifest that value is sealed, so the primary comes
 * from the only key of a one-key ring, or from the Git history ({@link SealedPrimaryLookup}: the
 * {@code Rotor-Keyring-Primary} trailer of the commit that last wrote the very same sealed value).
 */
public final class ManifestKeyring {

  /** Finds the primary key id of a sealed keyring whose {@code keyring.primary} is this value. */
  @FunctionalInterface
  public interface SealedPrimaryLookup {
    Optional<String> primaryFor(String sealedPrimaryValue);
  }

  private final SecretManifest manifest;
  private final KeyringState state;

  private ManifestKeyring(SecretManifest manifest, KeyringState state) {
    this.manifest = manifest;
    this.state = state;
  }

  /**
   * Reads the keyring of {@code manifest}.
   *
   * @param targetId the target, for the adoption hint in messages
   * @throws RotationFailedException {@code MANIFEST_INVALID} when the entries are not a keyring
   */
  public static ManifestKeyring read(
      SecretManifest manifest,
      ManifestFormat format,
      String targetId,
      SealedPrimaryLookup sealedPrimary) {
    List<String> dataKeys = manifest.dataKeys();
    List<String> keyring = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (String key : dataKeys) {
      if (key.equals(KeyringLayout.PRIMARY_DATA_KEY)
          || key.startsWith(KeyringLayout.KEY_DATA_KEY_PREFIX)) {
        keyring.add(key);
      } else {
        others.add(key);
      }
    }
    String field = manifest.path() + ": " + manifest.dataField() + ".";
    if (keyring.isEmpty()) {
      if (others.isEmpty()) {
        return new ManifestKeyring(manifest, null);
      }
      throw RotationFailedException.invalid(
          manifest.path()
              + ": "
              + manifest.dataField()
              + " holds "
              + others
              + " but no keyring (keyring.primary, keyring.key.<id>). Rotor does not guess whether"
              + " one of them is the workload's current key: adopt it into a keyring first"
              + " (keyring.key.<its key id> with the same value, and keyring.primary), or keep the"
              + " keyring in a Secret of its own; see docs/manifest-service.md, \"Starting a"
              + " keyring\"");
    }
    try {
      if (format == ManifestFormat.SECRET) {
        String primary = decodePrimary(manifest, field);
        return new ManifestKeyring(manifest, KeyringState.fromSecretLayout(primary, dataKeys));
      }
      List<String> keyIds = new ArrayList<>();
      for (String key : keyring) {
        if (key.startsWith(KeyringLayout.KEY_DATA_KEY_PREFIX)) {
          keyIds.add(
              KeyringLayout.keyIdOfDataKey(key)
                  .orElseThrow(
                      () ->
                          RotationFailedException.invalid(
                              field
                                  + key
                                  + ": does not end in a key id (keyring.key.<8 lowercase hex>)")));
        }
      }
      String sealedPrimaryValue =
          manifest
              .value(KeyringLayout.PRIMARY_DATA_KEY)
              .orElseThrow(
                  () ->
                      RotationFailedException.invalid(
                          field
                              + KeyringLayout.PRIMARY_DATA_KEY
                              + ": missing; the keyring has keys "
                              + keyIds
                              + " but no primary"));
      if (keyIds.isEmpty()) {
        throw RotationFailedException.invalid(
            field + KeyringLayout.PRIMARY_DATA_KEY + " is there but no keyring.key.<id> entry");
      }
      String primary;
      if (keyIds.size() == 1) {
        primary = keyIds.get(0);
      } else {
        primary =
            sealedPrimary
                .primaryFor(sealedPrimaryValue)
                .orElseThrow(
                    () ->
                        RotationFailedException.invalid(
                            field
                                + KeyringLayout.PRIMARY_DATA_KEY
                                + " is sealed and no commit records which of "
                                + keyIds
                                + " it names (a Rotor-Keyring-Primary trailer for "
                                + targetId
                                + " on the commit that wrote it). Record it: git commit"
                                + " --allow-empty -m \"Record the keyring primary\" --trailer"
                                + " \"Rotor-Target: "
                                + targetId
                                + "\" --trailer \"Rotor-Keyring-Primary: <key id>\""));
        if (!keyIds.contains(primary)) {
          throw RotationFailedException.invalid(
              field
                  + KeyringLayout.PRIMARY_DATA_KEY
                  + ": the history says the primary is "
                  + primary
                  + ", which is not one of the keys "
                  + keyIds);
        }
      }
      return new ManifestKeyring(manifest, new KeyringState(primary, keyIds));
    } catch (KeyringException e) {
      throw RotationFailedException.invalid(field + e.getMessage());
    }
  }

  private static String decodePrimary(SecretManifest manifest, String field) {
    Optional<String> value = manifest.value(KeyringLayout.PRIMARY_DATA_KEY);
    if (value.isEmpty()) {
      return null;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(value.get().strip());
    } catch (IllegalArgumentException e) {
      throw RotationFailedException.invalid(
          field
              + KeyringLayout.PRIMARY_DATA_KEY
              + ": not base64 (line "
              + manifest.lineOf(KeyringLayout.PRIMARY_DATA_KEY).orElse(0)
              + "); a Secret's data values are base64");
    }
    String text = new String(decoded, StandardCharsets.US_ASCII);
    if (!Fingerprints.isKeyId(text.strip())) {
      throw RotationFailedException.invalid(
          field
              + KeyringLayout.PRIMARY_DATA_KEY
              + ": its value is not a key id (8 lowercase hex characters, base64-encoded)");
    }
    return text;
  }

  /** The manifest this keyring was read from. */
  public SecretManifest manifest() {
    return manifest;
  }

  /** The keyring's state; empty when the Secret has no keyring yet. */
  public Optional<KeyringState> state() {
    return Optional.ofNullable(state);
  }

  /** The primary key id; empty for a new keyring. */
  public Optional<String> primaryKeyId() {
    return state().map(KeyringState::primaryKeyId);
  }
}
