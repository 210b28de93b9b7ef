package dev.rotor.clusteragent.work;

import java.time.Duration;

/**
 * A point in monotonic time ({@link System#nanoTime()}): timeouts do not move when the wall clock
 * does (the injected {@link java.time.Clock} decides what happens when, not how long a wait lasts).
 */
public final class Deadline {
  private final long at;
  private final Duration budget;

  private Deadline(long at, Duration budget) {
    this.at = at;
    this.budget = budget;
  }

  /** A deadline {@code budget} from now. */
  public static Deadline after(Duration budget) {
    return new Deadline(System.nanoTime() + budget.toNanos(), budget);
  }

  public boolean expired() {
    return System.nanoTime() - at >= 0;
  }

  /** What is left, never negative. */
  public Duration remaining() {
    long left = at - System.nanoTime();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  /** The budget this deadline was set with. */
  public Duration budget() {
    return budget;
  }
}
