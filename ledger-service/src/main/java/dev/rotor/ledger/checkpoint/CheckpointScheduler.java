package dev.rotor.ledger.checkpoint;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Every {@code rotor.ledger.checkpoint.interval}: signs a checkpoint if events were appended since
 * the last one (the log's own checkpoint entries do not count, or checkpoints would beget
 * checkpoints), and publishes what is still queued.
 */
@ApplicationScoped
public class CheckpointScheduler {
  private static final Logger LOG = Logger.getLogger(CheckpointScheduler.class);

  @Inject CheckpointIssuer issuer;
  @Inject CheckpointPublisher publisher;

  @Scheduled(
      identity = "ledger-checkpoint-interval",
      every = "${rotor.ledger.checkpoint.interval}",
      delayed = "${rotor.ledger.checkpoint.interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void tick() {
    try {
      issuer.issueIfStale(CheckpointIssuer.INTERVAL);
    } catch (RuntimeException e) {
      LOG.warnf("ROTOR-5022 scheduled checkpoint not issued: %s; next interval tries again", e);
    }
    publisher.signal();
  }
}
