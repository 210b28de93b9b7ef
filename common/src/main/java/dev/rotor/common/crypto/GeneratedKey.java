package dev.rotor.common.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A 32-byte key and its base64 text, exactly as {@code openssl rand -base64 32} prints it (44
 * characters, standard alphabet, padded; without the newline).
 *
 * <p>Holds the key in two byte arrays (raw, and base64 ASCII) and zeroes both on {@link #close()};
 * use it in try-with-resources. Accessors hand out copies that the caller must zero. Nothing here
 * prints the key: {@link #toString()} shows the key id and fingerprint only.
 */
public final class GeneratedKey implements AutoCloseable {
  /** Key length in bytes. */
  public static final int RAW_LENGTH = 32;

  /** Length of the base64 text in characters. */
  public static final int BASE64_LENGTH = 44;

  private final byte[] raw;
  private final byte[] base64;
  private final String fingerprint;
  private volatile boolean closed;

  private GeneratedKey(byte[] raw, byte[] base64) {
    this.raw = raw;
    this.base64 = base64;
    this.fingerprint = Fingerprints.ofBase64Ascii(base64);
  }

  /** A new key from Rotor's shared DRBG (see {@link Drbg}). */
  public static GeneratedKey generate() {
    return generate(Drbg.shared());
  }

  /** A new key from the given random source (Rotor uses a {@link Drbg} instance). */
  public static GeneratedKey generate(SecureRandom random) {
    if (random == null) {
      throw new IllegalArgumentException("random: is required");
    }
    byte[] raw = new byte[RAW_LENGTH];
    random.nextBytes(raw);
    return new GeneratedKey(raw, Base64.getEncoder().encode(raw));
  }

  /**
   * Wraps an existing raw key (for example one that was just unsealed). The bytes are copied; the
   * caller still zeroes its own array.
   */
  public static GeneratedKey fromRaw(byte[] raw) {
    if (raw == null || raw.length != RAW_LENGTH) {
      throw new CryptoException(
          CryptoException.Reason.INVALID_KEY,
          "key: expected "
              + RAW_LENGTH
              + " bytes, got "
              + (raw == null ? "none" : raw.length + " bytes"));
    }
    byte[] copy = raw.clone();
    return new GeneratedKey(copy, Base64.getEncoder().encode(copy));
  }

  /**
   * Wraps an existing key given as its base64 ASCII text. Only the canonical form is accepted: 44
   * characters of the standard alphabet with one '=' of padding, decoding to 32 bytes. The bytes
   * are copied; the caller still zeroes its own array.
   */
  public static GeneratedKey fromBase64(byte[] base64Ascii) {
    if (base64Ascii == null || base64Ascii.length != BASE64_LENGTH) {
      throw invalidBase64(
          base64Ascii == null ? "nothing was given" : "got " + base64Ascii.length + " characters");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64Ascii);
    } catch (IllegalArgumentException e) {
      // The JDK's message may quote a character of the input: do not chain it.
      throw invalidBase64("it is not standard base64");
    }
    byte[] canonical = Base64.getEncoder().encode(raw);
    boolean isCanonical = raw.length == RAW_LENGTH && MessageDigest.isEqual(canonical, base64Ascii);
    Arrays.fill(canonical, (byte) 0);
    if (!isCanonical) {
      Arrays.fill(raw, (byte) 0);
      throw invalidBase64(
          "it does not decode to exactly " + RAW_LENGTH + " bytes in canonical form");
    }
    return new GeneratedKey(raw, base64Ascii.clone());
  }

  private static CryptoException invalidBase64(String detail) {
    return new CryptoException(
        CryptoException.Reason.INVALID_KEY,
        "key: expected the "
            + BASE64_LENGTH
            + "-character padded base64 text of "
            + RAW_LENGTH
            + " bytes (as `openssl rand -base64 32` prints it, without the newline); "
            + detail);
  }

  /** Lowercase hex SHA-256 of the base64 text (the runbook's fingerprint). */
  public String fingerprint() {
    return fingerprint;
  }

  /** The first 8 characters of the fingerprint. */
  public String keyId() {
    return fingerprint.substring(0, Fingerprints.KEY_ID_LENGTH);
  }

  /** A copy of the 32 raw bytes; the caller zeroes it when done. */
  public byte[] copyRaw() {
    requireOpen();
    return raw.clone();
  }

  /** A copy of the base64 text as ASCII bytes; the caller zeroes it when done. */
  public byte[] copyBase64() {
    requireOpen();
    return base64.clone();
  }

  /**
   * The base64 text as a String, for APIs that take nothing else (a YAML or JSON writer). A String
   * cannot be zeroed: prefer {@link #copyBase64()} and keep this String's life short.
   */
  public String revealBase64() {
    requireOpen();
    return new String(base64, StandardCharsets.US_ASCII);
  }

  public boolean isClosed() {
    return closed;
  }

  /** Zeroes both buffers. Idempotent. */
  @Override
  public void close() {
    closed = true;
    Arrays.fill(raw, (byte) 0);
    Arrays.fill(base64, (byte) 0);
  }

  /** Never prints the key. */
  @Override
  public String toString() {
    return "GeneratedKey[keyId="
        + keyId()
        + ", fingerprint="
        + fingerprint
        + (closed ? ", closed" : "")
        + "]";
  }

  /** The live raw buffer, for tests that check it is zeroed. */
  byte[] rawBuffer() {
    return raw;
  }

  /** The live base64 buffer, for tests that check it is zeroed. */
  byte[] base64Buffer() {
    return base64;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(
          "key "
              + keyId()
              + " is closed: its buffers were zeroed; copy what you need before close()");
    }
  }
}
