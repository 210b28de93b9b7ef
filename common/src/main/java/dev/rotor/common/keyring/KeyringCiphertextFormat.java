package dev.rotor.common.keyring;

import java.util.HexFormat;

/**
 * The format of a value encrypted with a keyring key (like Tink's key-id prefix):
 *
 * <pre>
 * 1 byte    version, 0x01
 * 4 bytes   key id: its 8 hex characters as 4 bytes
 * 12 bytes  random nonce
 * n+16      AES-256-GCM ciphertext of the n-byte plaintext, 16-byte tag last (no associated data)
 * </pre>
 *
 * A reader takes the key id from the header to pick the key, so old values stay readable after a
 * rotation. The header is not authenticated: changing it selects another key or version, and the
 * GCM tag then fails.
 */
public final class KeyringCiphertextFormat {
  /** The only version so far. */
  public static final byte VERSION_1 = 0x01;

  /** Bytes of the key id in the header. */
  public static final int KEY_ID_BYTES = 4;

  /** Version byte plus key id. */
  public static final int HEADER_LENGTH = 1 + KEY_ID_BYTES;

  /** Length of the random GCM nonce. */
  public static final int NONCE_LENGTH = 12;

  /** Length of the GCM tag. */
  public static final int TAG_LENGTH = 16;

  /** Length of the encryption of an empty plaintext. */
  public static final int MINIMUM_LENGTH = HEADER_LENGTH + NONCE_LENGTH + TAG_LENGTH;

  private static final HexFormat HEX = HexFormat.of();

  private KeyringCiphertextFormat() {}

  /** The 5-byte header for a key: version 0x01 and the key id's 4 bytes. */
  public static byte[] header(String keyId) {
    byte[] id = HEX.parseHex(KeyringLayout.requireKeyId(keyId, "keyId"));
    byte[] header = new byte[HEADER_LENGTH];
    header[0] = VERSION_1;
    System.arraycopy(id, 0, header, 1, KEY_ID_BYTES);
    return header;
  }

  /**
   * The key id a ciphertext was encrypted with, from its header.
   *
   * @throws KeyringException {@link KeyringException.Reason#MALFORMED_CIPHERTEXT} when it is too
   *     short or of an unknown version
   */
  public static String keyIdOf(byte[] ciphertext) {
    if (ciphertext == null || ciphertext.length < MINIMUM_LENGTH) {
      throw new KeyringException(
          KeyringException.Reason.MALFORMED_CIPHERTEXT,
          "keyring ciphertext: "
              + (ciphertext == null ? 0 : ciphertext.length)
              + " bytes, at least "
              + MINIMUM_LENGTH
              + " expected (version, key id, nonce, tag)");
    }
    if (ciphertext[0] != VERSION_1) {
      throw new KeyringException(
          KeyringException.Reason.MALFORMED_CIPHERTEXT,
          String.format(
              "keyring ciphertext: version 0x%02x is not supported (expected 0x01)",
              ciphertext[0] & 0xff));
    }
    return HEX.formatHex(ciphertext, 1, HEADER_LENGTH);
  }
}
