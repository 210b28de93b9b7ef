package dev.rotor.notifier.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How often and how patiently the notifier tries to deliver one event to one channel.
 *
 * @param maxAttempts attempts before the event goes to the dead-letter topic
 * @param initialBackoff the wait after the first failed attempt
 * @param multiplier the growth of the wait from one attempt to the next
 * @param maxBackoff the longest wait
 * @param maxRetryAfter the longest {@code Retry-After} honoured
 */
public record RetrySettings(
    int maxAttempts,
    Duration initialBackoff,
    double multiplier,
    Duration maxBackoff,
    Duration maxRetryAfter) {

  /**
   * The wait after failed attempt number {@code attempt} (1 for the first): Slack's {@code
   * Retry-After} when it sent one (cut to {@code maxRetryAfter}), else the exponential backoff.
   */
  public Duration waitAfter(int attempt, Optional<Duration> retryAfter) {
    if (retryAfter.isPresent()) {
      Duration asked = retryAfter.get().isNegative() ? Duration.ZERO : retryAfter.get();
      return asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked;
    }
    double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
    if (!(millis < maxBackoff.toMillis())) {
      return maxBackoff;
    }
    return Duration.ofMillis(Math.round(millis));
  }

  /** The longest single wait these settings decide: the longer of the two bounds. */
  public Duration longestWait() {
    return maxBackoff.compareTo(maxRetryAfter) >= 0 ? maxBackoff : maxRetryAfter;
  }

  /** The longest an event can be held: every wait between {@code maxAttempts} attempts. */
  public Duration longestHold() {
    Duration total = Duration.ZERO;
    for (int attempt = 1; attempt < maxAttempts; attempt++) {
      total = total.plus(waitAfter(attempt, Optional.empty()));
    }
    return total;
  }
}
