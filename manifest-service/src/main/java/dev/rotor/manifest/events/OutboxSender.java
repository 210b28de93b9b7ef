package dev.rotor.manifest.events;

import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.manifest.rotation.OutboxEntry;
import dev.rotor.manifest.rotation.RotationStore;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Sends the outbox to {@code rotor.manifests} in the order it was written, marking each event sent
 * once Kafka acknowledged it. What fails stays unsent and goes out on the worker's next round (and
 * after a restart), with the same event id.
 */
@ApplicationScoped
public class OutboxSender {
  private static final int BATCH = 100;
  private static final Logger LOG = Logger.getLogger(OutboxSender.class);

  private final MutinyEmitter<byte[]> manifests;
  private final RotationStore store;
  private final Clock clock;

  public OutboxSender(
      @Channel("manifests") MutinyEmitter<byte[]> manifests, RotationStore store, Clock clock) {
    this.manifests = manifests;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Sends what is unsent, up to 100 events at a time without waiting for each acknowledgement in
   * between (one producer keeps their order per partition), then marks the acknowledged ones sent
   * in one transaction. Stops at the first failure (order matters within a target): that event and
   * the ones after it go out again on the next round, with their ids (consumers ignore a repeat).
   */
  public synchronized void sendUnsent() {
    while (true) {
      List<OutboxEntry> batch = store.unsent(BATCH);
      if (batch.isEmpty()) {
        return;
      }
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (OutboxEntry entry : batch) {
        try {
          sends.add(
              manifests
                  .sendMessage(
                      TraceContext.asParentOf(
                          KafkaEvents.toMessage(entry.envelope()), entry.traceContext()))
                  .subscribeAsCompletionStage());
        } catch (RuntimeException e) {
          sends.add(CompletableFuture.failedFuture(e));
        }
      }
      List<Long> sent = new ArrayList<>();
      RuntimeException failure = null;
      OutboxEntry failed = null;
      for (int i = 0; i < batch.size(); i++) {
        OutboxEntry entry = batch.get(i);
        try {
          sends.get(i).join();
          if (failure == null) {
            sent.add(entry.id);
            LOG.debugf("ROTOR-2061 sent %s %s", entry.eventType, entry.eventId);
          }
        } catch (RuntimeException e) {
          if (failure == null) {
            failure =
                e instanceof CompletionException && e.getCause() instanceof RuntimeException r
                    ? r
                    : e;
            failed = entry;
          }
        }
      }
      store.markSent(sent, clock.instant());
      if (failure != null) {
        LOG.warnf(
            "ROTOR-2060 event %s (%s, rotation %s) not sent yet: %s; it is sent again on the"
                + " next round",
            failed.eventId, failed.eventType, failed.rotationId, failure.getMessage());
        return;
      }
    }
  }
}
