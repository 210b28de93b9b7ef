package dev.rotor.notifier.delivery;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits between two delivery attempts, and stops waiting when the application shuts down, so that
 * an event held during a Slack outage stays unacknowledged (and is delivered after the restart)
 * instead of delaying the shutdown.
 */
@ApplicationScoped
public class Pauser {
  private final CountDownLatch stopping = new CountDownLatch(1);

  /**
   * Waits {@code wait}.
   *
   * @throws InterruptedException when the application shuts down or the thread is interrupted
   */
  public void pause(Duration wait) throws InterruptedException {
    if (stopping.await(wait.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new InterruptedException("the notifier is shutting down");
    }
  }

  void stop(@Observes ShutdownEvent event) {
    stopping.countDown();
  }
}
