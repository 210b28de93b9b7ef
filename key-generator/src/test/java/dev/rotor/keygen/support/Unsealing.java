package dev.rotor.keygen.support;

import dev.rotor.common.crypto.Age;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.SealedKey;
import java.security.PrivateKey;
import java.util.Arrays;

/** Opens what the key-generator sealed, with the test run's private keys. */
public final class Unsealing {
  private Unsealing() {}

  /** The key of {@code event} from its escrow copy, opened with the escrow identity. */
  public static GeneratedKey fromEscrow(KeyGenerated event) {
    byte[] base64 = Age.decrypt(event.escrow().armored(), TestKeys.get().escrowIdentity());
    try {
      return GeneratedKey.fromBase64(base64);
    } finally {
      Arrays.fill(base64, (byte) 0);
    }
  }

  /** The raw key bytes of a SealedSecret value, opened as the Secret of {@code event}. */
  public static byte[] sealedSecret(KeyGenerated event, SealedKey sealed, PrivateKey controller) {
    return SealedSecretSealer.unseal(
        controller, event.plan().namespace(), event.plan().secretName(), sealed.ciphertext());
  }

  /** The base64 text age-sealed to the manifest-service. */
  public static byte[] forManifestService(SealedKey sealed) {
    return Age.decrypt(sealed.ciphertext(), TestKeys.get().manifestServiceIdentity());
  }
}
