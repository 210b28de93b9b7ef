package dev.rotor.common.crypto;

/**
 * A crypto operation failed. The message says what is wrong and what to do; it never contains key
 * material, plaintext or a secret identity.
 */
public final class CryptoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, for callers that map it to an event reason code. */
  public enum Reason {
    /** A key value is not 32 bytes, or not the 44-character padded base64 text of 32 bytes. */
    INVALID_KEY,
    /** An age recipient is not an {@code age1...} X25519 recipient. */
    INVALID_RECIPIENT,
    /** An age identity is not an {@code AGE-SECRET-KEY-1...} X25519 identity. */
    INVALID_IDENTITY,
    /** None of the given age identities is a recipient of the file. */
    NO_MATCHING_IDENTITY,
    /** The ciphertext is not in the expected format, or does not authenticate. */
    MALFORMED_CIPHERTEXT,
    /**
     * A SealedSecret value does not open for this namespace/name with this private key (sealed for
     * another Secret, or by another controller key).
     */
    WRONG_SCOPE_OR_KEY,
    /** A PEM certificate is missing, malformed or not an RSA certificate. */
    INVALID_CERTIFICATE,
    /** A PEM private key is missing, malformed, encrypted or not RSA. */
    INVALID_PRIVATE_KEY,
    /** The JDK lacks an algorithm Rotor needs (a broken or restricted Java runtime). */
    UNAVAILABLE_ALGORITHM
  }

  private final Reason reason;

  public CryptoException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public CryptoException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
