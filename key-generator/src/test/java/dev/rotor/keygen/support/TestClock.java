package dev.rotor.keygen.support;

import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The application's clock in tests: system time shifted by an offset that tests move, so time keeps
 * running while a test jumps ahead (e.g. to a due date). Replaces the production clock, a
 * {@code @DefaultBean}.
 */
@Singleton
public class TestClock extends Clock {
  private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

  /** From now on the clock reads {@code instant}, and runs on from there. */
  public void jumpTo(Instant instant) {
    offset.set(Duration.between(Instant.now(), instant));
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    if (!ZoneOffset.UTC.equals(zone)) {
      throw new UnsupportedOperationException("the test clock is UTC only");
    }
    return this;
  }
}
