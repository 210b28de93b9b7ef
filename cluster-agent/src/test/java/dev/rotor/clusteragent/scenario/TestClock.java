package dev.rotor.clusteragent.scenario;

import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The agent's clock in tests: the system clock, moved by an offset a test sets (maintenance
 * windows, retention). It replaces the application's default {@link Clock} bean.
 */
@Singleton
public class TestClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  /** From now on, the clock reads {@code instant} (and goes on from there). */
  public void setTo(Instant instant) {
    offset = Duration.between(Instant.now(), instant);
  }

  public void advance(Duration duration) {
    offset = offset.plus(duration);
  }

  public void reset() {
    offset = Duration.ZERO;
  }
}
