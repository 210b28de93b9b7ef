package dev.rotor.notifier.slack;

import java.time.Duration;
import java.util.Optional;

/**
 * Slack did not take a message. {@link #detail()} is safe to log and to put in a dead-letter
 * reason: an HTTP status, Slack's error code or an exception class, never a token or a URL.
 */
public final class SlackDeliveryException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why, and whether another attempt may succeed. */
  public enum Kind {
    /** HTTP 5xx (or 408), or a response that is not Slack's: retried with backoff. */
    SERVER_ERROR(true, "server-error"),
    /** No answer: connection refused or reset, timeout, DNS. Retried with backoff. */
    NETWORK(true, "network"),
    /** HTTP 429 or {@code ratelimited}: retried after {@code Retry-After}. */
    RATE_LIMITED(true, "rate-limited"),
    /**
     * The request cannot be made from the configured token or webhook URL (a token file with a line
     * break, a URL the HTTP client refuses): retried with backoff, since the file can be fixed and
     * is read again.
     */
    SETUP(true, "setup"),
    /**
     * The token or the way to Slack is refused for every message of the channel, not this one
     * ({@code invalid_auth}, {@code token_revoked}, HTTP 401, 403, proxy 407): the channel is held
     * and retried with backoff, never given up, until the token or proxy is fixed.
     */
    AUTH(true, "auth"),
    /** Slack answered {@code ok: false} with an error worth retrying ({@code internal_error}). */
    SLACK_ERROR(true, "slack-error"),
    /** Slack refused the message for good: unknown channel, invalid blocks, other 4xx. */
    REJECTED(false, "rejected");

    private final boolean retryable;
    private final String tag;

    Kind(boolean retryable, String tag) {
      this.retryable = retryable;
      this.tag = tag;
    }

    public boolean retryable() {
      return retryable;
    }

    /** The metric tag. */
    public String tag() {
      return tag;
    }
  }

  private final Kind kind;
  private final String detail;
  private final transient Optional<Duration> retryAfter;

  public SlackDeliveryException(Kind kind, String detail, Optional<Duration> retryAfter) {
    super(kind.tag() + ": " + detail, null, false, false);
    this.kind = kind;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  public SlackDeliveryException(Kind kind, String detail) {
    this(kind, detail, Optional.empty());
  }

  public Kind kind() {
    return kind;
  }

  /**
   * What went wrong, e.g. {@code HTTP 503}, {@code channel_not_found}, {@code ConnectException}.
   */
  public String detail() {
    return detail;
  }

  /** How long Slack asked to wait ({@code Retry-After}), if it did. */
  public Optional<Duration> retryAfter() {
    return retryAfter;
  }
}
