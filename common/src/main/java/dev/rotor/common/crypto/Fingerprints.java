package dev.rotor.common.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The runbook's key fingerprint and the key id derived from it.
 *
 * <p>Fingerprint: lowercase hex SHA-256 of the key's base64 <em>text</em> (44 ASCII characters, no
 * newline), exactly what {@code printf %s "$b64" | sha256sum} prints. Key id: the first 8 hex
 * characters of the fingerprint. Both are safe to log and to publish; they reveal nothing about the
 * key.
 */
public final class Fingerprints {
  /** Length of a key id in hex characters. */
  public static final int KEY_ID_LENGTH = 8;

  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{8}");
  private static final HexFormat HEX = HexFormat.of();

  private Fingerprints() {}

  /** Fingerprint of a base64 key value, as text (for example read from a manifest). */
  public static String ofBase64(CharSequence base64) {
    if (base64 == null) {
      throw new IllegalArgumentException("base64 value: is required");
    }
    byte[] ascii = base64.toString().getBytes(StandardCharsets.UTF_8);
    try {
      return ofBase64Ascii(ascii);
    } finally {
      Arrays.fill(ascii, (byte) 0);
    }
  }

  /** Fingerprint of a base64 key value given as its ASCII bytes. */
  public static String ofBase64Ascii(byte[] base64Ascii) {
    if (base64Ascii == null) {
      throw new IllegalArgumentException("base64 value: is required");
    }
    return HEX.formatHex(sha256().digest(base64Ascii));
  }

  /**
   * Fingerprint of a raw key (for example the bytes of a mounted Secret file): the fingerprint of
   * its standard padded base64 encoding.
   */
  public static String ofRawKey(byte[] raw) {
    if (raw == null) {
      throw new IllegalArgumentException("raw key: is required");
    }
    byte[] ascii = Base64.getEncoder().encode(raw);
    try {
      return ofBase64Ascii(ascii);
    } finally {
      Arrays.fill(ascii, (byte) 0);
    }
  }

  /** Key id of a base64 key value: the first 8 characters of its fingerprint. */
  public static String keyIdOfBase64(CharSequence base64) {
    return keyIdOf(ofBase64(base64));
  }

  /** Key id for a fingerprint: its first 8 characters. */
  public static String keyIdOf(String fingerprint) {
    if (!isFingerprint(fingerprint)) {
      throw new IllegalArgumentException(
          "fingerprint: expected 64 lowercase hex characters (SHA-256)");
    }
    return fingerprint.substring(0, KEY_ID_LENGTH);
  }

  /** Whether {@code value} is a fingerprint: 64 lowercase hex characters. */
  public static boolean isFingerprint(String value) {
    return value != null && FINGERPRINT.matcher(value).matches();
  }

  /** Whether {@code value} is a key id: 8 lowercase hex characters. */
  public static boolean isKeyId(String value) {
    return value != null && KEY_ID.matcher(value).matches();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new CryptoException(
          CryptoException.Reason.UNAVAILABLE_ALGORITHM, "this Java runtime has no SHA-256", e);
    }
  }
}
