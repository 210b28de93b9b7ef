package dev.rotor.clusteragent.work;

import java.time.Duration;

/** Exponential back-off between attempts, capped. */
public final class Backoff {
  private final Duration max;
  private Duration next;

  public Backoff(Duration initial, Duration max) {
    this.next = initial;
    this.max = max;
  }

  /** The delay before the next attempt; each call doubles it up to the cap. */
  public Duration next() {
    Duration current = next;
    Duration doubled = next.multipliedBy(2);
    next = doubled.compareTo(max) > 0 ? max : doubled;
    return current;
  }
}
