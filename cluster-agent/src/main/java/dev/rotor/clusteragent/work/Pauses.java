package dev.rotor.clusteragent.work;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Waits that end early when the agent stops (the thread is interrupted). */
public final class Pauses {
  private Pauses() {}

  /**
   * Waits for {@code duration}.
   *
   * @throws AgentStopped if the thread is interrupted
   */
  public static void pause(Duration duration) {
    if (duration.isZero() || duration.isNegative()) {
      checkRunning();
      return;
    }
    ReentrantLock lock = new ReentrantLock();
    Condition never = lock.newCondition();
    lock.lock();
    try {
      long left = duration.toNanos();
      while (left > 0) {
        left = never.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentStopped();
    } finally {
      lock.unlock();
    }
  }

  /** Waits on {@code condition} (held by the caller) for at most {@code duration}. */
  public static void await(Condition condition, Duration duration) {
    try {
      condition.await(Math.max(1, duration.toMillis()), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentStopped();
    }
  }

  /**
   * @throws AgentStopped if the thread was interrupted (the agent stops)
   */
  public static void checkRunning() {
    if (Thread.currentThread().isInterrupted()) {
      throw new AgentStopped();
    }
  }
}
