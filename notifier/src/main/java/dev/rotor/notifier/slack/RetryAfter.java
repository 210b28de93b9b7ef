package dev.rotor.notifier.slack;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** The {@code Retry-After} header (RFC 9110): delay seconds, or an HTTP date. */
public final class RetryAfter {
  private RetryAfter() {}

  /** The wait a response asks for, if it carries a valid {@code Retry-After}. */
  public static Optional<Duration> of(HttpResponse<?> response, Clock clock) {
    return response.headers().firstValue("Retry-After").flatMap(value -> parse(value, clock));
  }

  /** The wait {@code value} asks for; a date in the past is no wait. */
  public static Optional<Duration> parse(String value, Clock clock) {
    String text = value.strip();
    if (text.matches("\\d{1,9}")) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(text)));
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration wait = Duration.between(clock.instant(), at.toInstant());
      return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
