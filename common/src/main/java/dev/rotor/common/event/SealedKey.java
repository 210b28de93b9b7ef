package dev.rotor.common.event;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

/**
 * The new key sealed for one recipient. The plaintext never travels: a {@code sealed-secret}
 * manifest gets the SealedSecret ciphertext for each cluster's sealing certificate; a {@code
 * secret} manifest gets the key age-sealed to the manifest-service.
 *
 * @param kind how it is sealed
 * @param recipient for {@link Kind#SEALED_SECRET} the cluster whose certificate sealed it; for
 *     {@link Kind#AGE} the age recipient
 * @param ciphertext base64 SealedSecret value, or ASCII-armored age file
 */
public record SealedKey(Kind kind, String recipient, String ciphertext) {
  /** How a key is sealed. */
  public enum Kind {
    SEALED_SECRET,
    AGE
  }

  public SealedKey {
    present(kind, "kind");
    nonEmpty(recipient, "recipient");
    nonEmpty(ciphertext, "ciphertext");
  }
}
