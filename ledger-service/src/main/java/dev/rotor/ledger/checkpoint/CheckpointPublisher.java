package dev.rotor.ledger.checkpoint;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.LedgerCheckpoint;
import dev.rotor.common.event.Sources;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.OutboxFailures;
import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.metrics.LedgerMetrics;
import dev.rotor.ledger.store.CheckpointEntity;
import dev.rotor.ledger.store.CheckpointStore;
import dev.rotor.ledger.store.OutboxEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Publishes stored checkpoints as {@code ledger.checkpoint} events on rotor.ledger, from the
 * outbox, on a thread of its own: ingest never waits for Kafka's producer. A checkpoint leaves the
 * outbox once Kafka acknowledged it; one that fails stays and goes out on the next signal or tick.
 *
 * <p>A checkpoint that can never be published does not hold up the ones after it: one whose event
 * cannot be built, that Kafka refuses for good ({@link OutboxFailures.Kind#PERMANENT}), or that
 * failed {@code rotor.ledger.checkpoint.publish-max-attempts} times in a row for a reason not known
 * to be transient, the first of them at least {@code rotor.ledger.checkpoint.quarantine-after} ago,
 * is quarantined ({@code ROTOR-5023}) and the next one is published. Nothing is held behind it:
 * every checkpoint covers the whole log up to its size, so the next one stands in for it. A
 * transient failure (a timeout, the broker away) quarantines nothing.
 */
@ApplicationScoped
public class CheckpointPublisher {
  private static final Logger LOG = Logger.getLogger(CheckpointPublisher.class);
  private static final int BATCH = 50;

  @Inject CheckpointsTopic topic;
  @Inject CheckpointStore checkpoints;
  @Inject LedgerKeys keys;
  @Inject LedgerConfig config;
  @Inject LedgerMetrics metrics;
  @Inject Clock clock;

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
      publishPending();
    } catch (RuntimeException e) {
      metrics.checkpointPublishFailed();
      LOG.warnf(
          "ROTOR-5021 checkpoint not published on rotor.ledger yet (%s); it stays queued and is"
              + " retried at the next checkpoint or interval",
          OutboxFailures.describe(e));
    } finally {
      countQuarantined();
    }
  }

  /** Updates the quarantine gauge, also when publishing failed (the broker away at start-up). */
  private void countQuarantined() {
    try {
      metrics.checkpointsQuarantined(
          QuarkusTransaction.requiringNew().call(checkpoints::quarantined));
    } catch (RuntimeException e) {
      LOG.debugf("quarantined checkpoints not counted: %s", OutboxFailures.describe(e));
    }
  }

  private void publishPending() {
    while (true) {
      List<CheckpointEntity> pending =
          QuarkusTransaction.requiringNew().call(() -> checkpoints.unpublished(BATCH));
      for (CheckpointEntity checkpoint : pending) {
        if (!publish(checkpoint)) {
          return;
        }
      }
      if (pending.size() < BATCH) {
        return;
      }
    }
  }

  /** Publishes or quarantines one checkpoint; whether the next one may follow now. */
  private boolean publish(CheckpointEntity checkpoint) {
    Message<byte[]> message;
    try {
      message = KafkaEvents.toMessage(event(checkpoint));
    } catch (RuntimeException e) {
      quarantine(checkpoint, "cannot be built: " + OutboxFailures.describe(e));
      return true;
    }
    try {
      topic.send(message, config.checkpoint().publishTimeout());
    } catch (RuntimeException e) {
      switch (OutboxFailures.classify(e)) {
        case PERMANENT -> {
          metrics.checkpointPublishFailed();
          quarantine(checkpoint, "refused by Kafka: " + OutboxFailures.describe(e));
          return true;
        }
        case UNKNOWN -> {
          metrics.checkpointPublishFailed();
          Instant now = clock.instant();
          Optional<OutboxEntity> counted =
              QuarkusTransaction.requiringNew()
                  .call(() -> checkpoints.failedAttempt(checkpoint.id, now));
          int attempts = counted.map(o -> o.attempts).orElse(0);
          Instant since = counted.map(o -> o.firstFailedAt).orElse(now);
          LedgerConfig.CheckpointConfig limits = config.checkpoint();
          if (counted.isPresent()
              && OutboxFailures.exhausted(
                  attempts, limits.publishMaxAttempts(), since, limits.quarantineAfter(), now)) {
            quarantine(
                checkpoint,
                "failed "
                    + attempts
                    + " times since "
                    + since
                    + ", last: "
                    + OutboxFailures.describe(e));
            return true;
          }
          LOG.warnf(
              "ROTOR-5021 checkpoint %d not published on rotor.ledger yet (%s, attempt %d since %s;"
                  + " quarantined after %d attempts and %s); it stays queued and is retried at the"
                  + " next checkpoint or interval",
              checkpoint.id,
              OutboxFailures.describe(e),
              attempts,
              since,
              limits.publishMaxAttempts(),
              limits.quarantineAfter());
          return false;
        }
        default -> throw e;
      }
    }
    QuarkusTransaction.requiringNew().run(() -> checkpoints.published(checkpoint.id));
    metrics.checkpointPublished();
    return true;
  }

  private void quarantine(CheckpointEntity checkpoint, String reason) {
    QuarkusTransaction.requiringNew()
        .run(() -> checkpoints.quarantine(checkpoint.id, reason, clock.instant()));
    LOG.errorf(
        "ROTOR-5023 checkpoint %d (ledger.checkpoint %s, %d entries) quarantined, it is not"
            + " published again unless re-queued (docs/ledger-service.md); the checkpoints after"
            + " it are published: %s",
        checkpoint.id, checkpoint.eventId, checkpoint.treeSize, reason);
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
