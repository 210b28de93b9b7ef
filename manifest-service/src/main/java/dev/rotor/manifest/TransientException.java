package dev.rotor.manifest;

import java.time.Instant;
import java.util.Optional;

/**
 * Something outside Rotor is unavailable for now (a Git server that does not answer, GitHub's rate
 * limit, a 5xx): the step is retried later with backoff, or at {@link #retryAt()} when the other
 * side said when. The message never holds a credential.
 */
public final class TransientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Instant retryAt;

  public TransientException(String message) {
    this(message, null);
  }

  public TransientException(String message, Instant retryAt) {
    super(message, null, false, false);
    this.retryAt = retryAt;
  }

  /** When the other side said to try again (a rate limit's reset), if it did. */
  public Optional<Instant> retryAt() {
    return Optional.ofNullable(retryAt);
  }
}
