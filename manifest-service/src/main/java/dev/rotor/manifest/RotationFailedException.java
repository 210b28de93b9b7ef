package dev.rotor.manifest;

import dev.rotor.common.event.Reasons;

/**
 * A rotation cannot go on: the reason code and a message a person can act on become a {@code
 * rotation.failed} event. Messages name what is wrong and where (file, line, commit, key), never a
 * key, a credential or a value read from a manifest.
 */
public final class RotationFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Reasons.RotationFailure reason;

  public RotationFailedException(Reasons.RotationFailure reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reasons.RotationFailure reason() {
    return reason;
  }

  /** {@link Reasons.RotationFailure#MANIFEST_INVALID}. */
  public static RotationFailedException invalid(String message) {
    return new RotationFailedException(Reasons.RotationFailure.MANIFEST_INVALID, message);
  }

  /** {@link Reasons.RotationFailure#GIT_REFUSED}. */
  public static RotationFailedException refused(String message) {
    return new RotationFailedException(Reasons.RotationFailure.GIT_REFUSED, message);
  }

  /** {@link Reasons.RotationFailure#MANIFEST_CONFLICT}. */
  public static RotationFailedException conflict(String message) {
    return new RotationFailedException(Reasons.RotationFailure.MANIFEST_CONFLICT, message);
  }
}
