package dev.rotor.clusteragent.kubernetes;

import dev.rotor.clusteragent.work.Pauses;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes a waiting loop when a watch sees a change. A change that comes while the loop is not
 * waiting is remembered, so the next wait returns at once: nothing seen between a read and the wait
 * is lost.
 */
public final class ChangeSignal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean dirty;

  /** Something changed. */
  public void fire() {
    lock.lock();
    try {
      dirty = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until something changes or {@code timeout} passes, whichever comes first.
   *
   * @throws dev.rotor.clusteragent.work.AgentStopped if the thread is interrupted
   */
  public void await(Duration timeout) {
    lock.lock();
    try {
      if (!dirty) {
        Pauses.await(changed, timeout);
      }
      dirty = false;
    } finally {
      lock.unlock();
    }
  }
}
