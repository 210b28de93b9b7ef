package dev.rotor.ledger.checkpoint;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.LedgerCheckpoint;
import dev.rotor.common.event.Sources;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.metrics.LedgerMetrics;
import dev.rotor.ledger.store.CheckpointEntity;
import dev.rotor.ledger.store.CheckpointStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Publishes stored checkpoints as {@code ledger.checkpoint} events on rotor.ledger, from the
 * outbox, on a thread of its own: ingest never waits for Kafka's producer. A checkpoint leaves the
 * outbox once Kafka acknowledged it; one that fails stays and goes out on the next signal or tick.
 */
@ApplicationScoped
public class CheckpointPublisher {
  private static final Logger LOG = Logger.getLogger(CheckpointPublisher.class);
  private static final int BATCH = 50;

  @Inject
  @Channel("checkpoints")
  MutinyEmitter<byte[]> emitter;

  @Inject CheckpointStore checkpoints;
  @Inject LedgerKeys keys;
  @Inject LedgerConfig config;
  @Inject LedgerMetrics metrics;

  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          task -> {
            Thread thread = new Thread(task, "rotor-ledger-checkpoint-publisher");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicBoolean queued = new AtomicBoolean();

  /** Asks for the outbox to be drained soon (calls coalesce). */
  public void signal() {
    if (queued.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    queued.set(false);
    try {
      while (true) {
        List<CheckpointEntity> pending =
            QuarkusTransaction.requiringNew().call(() -> checkpoints.unpublished(BATCH));
        for (CheckpointEntity checkpoint : pending) {
          emitter
              .sendMessage(KafkaEvents.toMessage(event(checkpoint)))
              .await()
              .atMost(config.checkpoint().publishTimeout());
          QuarkusTransaction.requiringNew().run(() -> checkpoints.published(checkpoint.id));
          metrics.checkpointPublished();
        }
        if (pending.size() < BATCH) {
          return;
        }
      }
    } catch (RuntimeException e) {
      metrics.checkpointPublishFailed();
      LOG.warnf(
          "ROTOR-5021 checkpoint not published on rotor.ledger yet (%s); it stays queued and is"
              + " retried at the next checkpoint or interval",
          e.toString());
    }
  }

  /** The event that publishes a stored checkpoint (same id every time it is sent). */
  EventEnvelope event(CheckpointEntity checkpoint) {
    LedgerCheckpoint data =
        new LedgerCheckpoint(
            keys.origin(),
            checkpoint.treeSize,
            Base64.getEncoder().encodeToString(checkpoint.rootHash),
            checkpoint.signedNote,
            checkpoint.issuedAt);
    return new EventEnvelope(
        checkpoint.eventId,
        EventType.LEDGER_CHECKPOINT,
        Sources.of("ledger-service"),
        data.subject(),
        null,
        checkpoint.issuedAt,
        data);
  }

  @PreDestroy
  void stop() {
    executor.shutdownNow();
  }
}
