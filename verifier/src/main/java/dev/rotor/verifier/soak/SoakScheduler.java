package dev.rotor.verifier.soak;

import dev.rotor.verifier.VerifierMetrics;
import dev.rotor.verifier.events.Outbox;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The soaks' clock tick ({@code rotor.verifier.tick}): runs the rounds of checks that are due,
 * sends what the outbox holds, and updates the gauges. Soaks live in the database, not in timers:
 * after a restart the first tick picks them up where they stood.
 */
@ApplicationScoped
public class SoakScheduler {
  private static final Logger LOG = Logger.getLogger(SoakScheduler.class);

  @Inject SoakRunner runner;
  @Inject SoakService soaks;
  @Inject Outbox outbox;
  @Inject VerifierMetrics metrics;

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
