package dev.rotor.devstack.process;

import dev.rotor.devstack.DevstackException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Bounded waits: a condition is polled until it holds, the process it waits for exits (its log's
 * last lines in the error), or the timeout passes.
 */
public final class Await {
  private static final Duration POLL = Duration.ofMillis(250);

  private Await() {}

  /**
   * Waits until {@code condition} holds.
   *
   * @param what what is awaited, for the error
   * @param process the process it depends on, or null
   * @throws DevstackException ROTOR-8005 when the process exits first, ROTOR-8006 on timeout
   */
  public static void until(
      String what, Duration timeout, ManagedProcess process, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean done;
      try {
        done = condition.getAsBoolean();
      } catch (RuntimeException e) {
        done = false;
      }
      if (done) {
        return;
      }
      if (process != null && !process.alive()) {
        throw new DevstackException(
            "ROTOR-8005",
            process.name()
                + " exited with code "
                + process.exitCode()
                + " while waiting for "
                + what
                + "; see "
                + process.log()
                + "; its last lines:\n"
                + process.logTail(15));
      }
      if (System.nanoTime() - deadline > 0) {
        throw new DevstackException(
            "ROTOR-8006",
            "timed out after "
                + Console.seconds(timeout)
                + " waiting for "
                + what
                + (process == null ? "" : "; see " + process.log()));
      }
      sleep(POLL);
    }
  }

  /** Pauses the calling thread (a poll interval, never a stand-in for a condition). */
  public static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevstackException("ROTOR-8009", "interrupted");
    }
  }
}
