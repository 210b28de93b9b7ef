package dev.rotor.common.keyring;

/** A keyring operation or layout is invalid; the message names what is wrong. */
public final class KeyringException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What is wrong, for callers that map it to an event reason code. */
  public enum Reason {
    /** A key id is not 8 lowercase hex characters. */
    INVALID_KEY_ID,
    /** A keyring or Secret layout is inconsistent (primary missing, duplicate key, ...). */
    INVALID_LAYOUT,
    /** The key to distribute is already in the keyring. */
    ALREADY_IN_KEYRING,
    /** The key to promote, or to keep after a rollback, was never distributed. */
    NOT_DISTRIBUTED,
    /** The key to promote is already the primary. */
    ALREADY_PRIMARY,
    /** The number of previous keys to keep is out of range. */
    INVALID_DEPTH,
    /** The key to roll back to is no longer in the keyring. */
    NOT_IN_KEYRING,
    /** The keyring's primary is neither the rotation's old nor its new key. */
    PRIMARY_CHANGED,
    /** A ciphertext is not in the keyring ciphertext format. */
    MALFORMED_CIPHERTEXT
  }

  private final Reason reason;

  public KeyringException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
