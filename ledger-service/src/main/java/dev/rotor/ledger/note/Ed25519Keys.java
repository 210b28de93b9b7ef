package dev.rotor.ledger.note;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/** Ed25519 key plumbing between the JDK's key objects and the raw 32-byte encodings of RFC 8032. */
public final class Ed25519Keys {
  /** Length of an Ed25519 public key, and of a private key's seed. */
  public static final int KEY_SIZE = 32;

  private Ed25519Keys() {}

  /**
   * The 32-byte public key of a private key. The JDK signs and verifies Ed25519 but cannot derive a
   * public key from a private one; Bouncy Castle's RFC 8032 key generation does that.
   */
  public static byte[] publicKeyOf(PrivateKey privateKey) {
    if (!(privateKey instanceof EdECPrivateKey edec)
        || !"Ed25519".equalsIgnoreCase(edec.getParams().getName())) {
      throw new NoteException("private key: is not an Ed25519 key");
    }
    byte[] seed =
        edec.getBytes().orElseThrow(() -> new NoteException("private key: has no seed bytes"));
    try {
      return new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** The JDK public key of a raw 32-byte Ed25519 public key (RFC 8032 encoding). */
  public static PublicKey publicKey(byte[] raw) {
    if (raw == null || raw.length != KEY_SIZE) {
      throw new NoteException("public key: an Ed25519 public key is 32 bytes");
    }
    // RFC 8032: little-endian y, with the sign of x in the top bit of the last byte.
    byte[] reversed = new byte[KEY_SIZE];
    for (int i = 0; i < KEY_SIZE; i++) {
      reversed[i] = raw[KEY_SIZE - 1 - i];
    }
    boolean xOdd = (reversed[0] & 0x80) != 0;
    reversed[0] &= 0x7f;
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(
              new EdECPublicKeySpec(
                  NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, reversed))));
    } catch (GeneralSecurityException e) {
      throw new NoteException("public key: not a valid Ed25519 public key", e);
    }
  }
}
