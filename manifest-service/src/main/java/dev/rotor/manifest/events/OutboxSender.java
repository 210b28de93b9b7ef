package dev.rotor.manifest.events;

import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.manifest.rotation.OutboxEntry;
import dev.rotor.manifest.rotation.RotationStore;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Sends the outbox to {@code rotor.manifests} in the order it was written, marking each event sent
 * once Kafka acknowledged it. What fails stays unsent and goes out on the worker's next round (and
 * after a restart), with the same event id.
 */
@ApplicationScoped
public class OutboxSender {
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

  /** Sends what is unsent; stops at the first failure (order matters within a target). */
  public synchronized void sendUnsent() {
    while (true) {
      List<OutboxEntry> batch = store.unsent(50);
      if (batch.isEmpty()) {
        return;
      }
      for (OutboxEntry entry : batch) {
        try {
          manifests.sendMessageAndAwait(
              TraceContext.asParentOf(
                  KafkaEvents.toMessage(entry.envelope()), entry.traceContext()));
        } catch (RuntimeException e) {
          LOG.warnf(
              "ROTOR-2060 event %s (%s, rotation %s) not sent yet: %s; it is sent again on the"
                  + " next round",
              entry.eventId, entry.eventType, entry.rotationId, e.getMessage());
          return;
        }
        store.markSent(entry.id, clock.instant());
        LOG.debugf("ROTOR-2061 sent %s %s", entry.eventType, entry.eventId);
      }
    }
  }
}
