package dev.rotor.verifier.soak;

import dev.rotor.verifier.VerifierMetrics;
import dev.rotor.verifier.events.Outbox;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The soaks' clock tick ({@code rotor.verifier.tick}): runs the rounds of checks that are due,
 * sends what the outbox holds, and updates the gauges. Soaks live in the database, not in timers:
 * after a restart the first tick picks them up where they stood.
 *
 * <p>A soak that starts does not wait for the tick: {@link #wake()} runs the due rounds at once on
 * the scheduler's own thread, so the first round (and for a zero soak the verdict) follows the
 * {@code rollout.completed} without delay. The tick stays, for every later round and as the
 * fallback when a wake is lost.
 */
@ApplicationScoped
public class SoakScheduler {
  private static final Logger LOG = Logger.getLogger(SoakScheduler.class);

  @Inject SoakRunner runner;
  @Inject SoakService soaks;
  @Inject Outbox outbox;
  @Inject VerifierMetrics metrics;

  private final AtomicBoolean wakePending = new AtomicBoolean();
  private ExecutorService waker;

  @PostConstruct
  void createWaker() {
    waker =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "rotor-verifier-soak-wake");
              thread.setDaemon(true);
              return thread;
            });
  }

  @PreDestroy
  void stopWaker() {
    waker.shutdownNow();
  }

  /**
   * Runs the rounds that are due now, without waiting for the tick, and sends what they decided.
   * Returns at once; wakes that come while one is queued are one.
   */
  public void wake() {
    if (!wakePending.compareAndSet(false, true)) {
      return;
    }
    try {
      waker.execute(
          () -> {
            wakePending.set(false);
            ManagedContext request = Arc.container().requestContext();
            request.activate();
            try {
              runner.runDue();
              outbox.sendPending();
            } catch (RuntimeException e) {
              LOG.warnf(
                  "ROTOR-4062 rounds run on a soak's start failed (%s); the next tick runs them",
                  e.toString());
            } finally {
              request.terminate();
            }
          });
    } catch (RejectedExecutionException e) {
      wakePending.set(false); // stopping: the next start's tick runs them
    }
  }

  void onStart(@Observes StartupEvent event) {
    var running = soaks.running();
    long total = running.values().stream().mapToLong(Long::longValue).sum();
    long waiting = soaks.awaitingDecision();
    if (total > 0 || waiting > 0) {
      LOG.infof(
          "ROTOR-4011 resuming %d soak(s) where they stood (%s); %d stage(s) wait for a person",
          total, running, waiting);
    }
  }

  @Scheduled(
      identity = "rotor-verifier-soaks",
      every = "${rotor.verifier.tick:PT1S}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void tick() {
    runner.runDue();
    outbox.sendPending();
    metrics.soaks(soaks.running(), soaks.awaitingDecision());
  }
}
