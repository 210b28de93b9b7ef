package dev.rotor.keygen;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Instants as the service stores them: milliseconds, like event times. An instant read back from
 * PostgreSQL then equals the one written, so due dates computed from stored times stay the same
 * across restarts.
 */
public final class Instants {
  private Instants() {}

  /** The clock's instant, truncated to milliseconds. */
  public static Instant now(Clock clock) {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** {@code instant} truncated to milliseconds; null stays null. */
  public static Instant millis(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS);
  }
}
