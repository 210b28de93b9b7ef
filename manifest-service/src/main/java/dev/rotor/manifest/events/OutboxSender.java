package dev.rotor.manifest.events;

import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.OutboxFailures;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.manifest.config.ManifestServiceConfig;
import dev.rotor.manifest.rotation.OutboxEntry;
import dev.rotor.manifest.rotation.RotationStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Sends the outbox to {@code rotor.manifests} in the order it was written, marking each event sent
 * once Kafka acknowledged it. What fails stays unsent and goes out on the worker's next round (and
 * after a restart), with the same event id.
 *
 * <p>An event that can never be sent does not hold up the others: one that no longer decodes, that
 * Kafka refuses for good ({@link OutboxFailures.Kind#PERMANENT}), or that failed {@code
 * rotor.manifest-service.outbox.max-attempts} times in a row for a reason not known to be
 * transient, the first of them at least {@code rotor.manifest-service.outbox.quarantine-after} ago,
 * is quarantined ({@code ROTOR-2062}) and the events after it go out. Later events of the same
 * rotation are quarantined behind it ({@code ROTOR-2063}), so that no consumer sees them without
 * it. A transient failure (a timeout, the broker away) quarantines nothing.
 */
@ApplicationScoped
public class OutboxSender {
  private static final int BATCH = 100;
  private static final Logger LOG = Logger.getLogger(OutboxSender.class);

  private final ManifestsTopic manifests;
  private final RotationStore store;
  private final Clock clock;
  private final ManifestServiceConfig config;

  public OutboxSender(
      ManifestsTopic manifests, RotationStore store, Clock clock, ManifestServiceConfig config) {
    this.manifests = manifests;
    this.store = store;
    this.clock = clock;
    this.config = config;
  }

  /**
   * Sends what is unsent, up to 100 events at a time without waiting for each acknowledgement in
   * between (one producer keeps their order per partition), then marks the acknowledged ones sent
   * in one transaction. An event that cannot be read is quarantined before anything is sent, and so
   * is a later one of a rotation with a quarantined event. Stops at the first failure (order
   * matters within a target): that event and the ones after it go out again (consumers ignore a
   * repeat) on the next round, or at once when the failure quarantined the event.
   */
  public synchronized void sendUnsent() {
    while (true) {
      List<OutboxEntry> batch = store.unsent(BATCH);
      if (batch.isEmpty()) {
        return;
      }
      Map<String, Long> held =
          store.firstQuarantined(
              batch.stream().map(e -> e.rotationId).filter(Objects::nonNull).distinct().toList());
      List<OutboxEntry> sending = new ArrayList<>();
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (OutboxEntry entry : batch) {
        Long blocker = entry.rotationId == null ? null : held.get(entry.rotationId);
        if (blocker != null && blocker < entry.id) {
          store.quarantine(entry.id, "follows quarantined row " + blocker, clock.instant());
          LOG.warnf(
              "ROTOR-2063 event %s (%s, rotation %s, outbox row %d) quarantined: it follows"
                  + " quarantined row %d of the same rotation",
              entry.eventId, entry.eventType, entry.rotationId, entry.id, blocker);
          continue;
        }
        Message<byte[]> message;
        try {
          message =
              TraceContext.asParentOf(
                  KafkaEvents.toMessage(entry.envelope()), entry.traceContext());
        } catch (RuntimeException e) {
          quarantine(entry, "cannot be read: " + OutboxFailures.describe(e));
          if (entry.rotationId != null) {
            held.putIfAbsent(entry.rotationId, entry.id);
          }
          continue;
        }
        sending.add(entry);
        try {
          sends.add(manifests.send(message));
        } catch (RuntimeException e) {
          sends.add(CompletableFuture.failedFuture(e));
        }
      }
      List<Long> sent = new ArrayList<>();
      RuntimeException failure = null;
      OutboxEntry failed = null;
      // Targets (the record key, so the partition and its order) with an event Kafka did not
      // acknowledge in this batch: their later events stay unsent and go out again after it, in
      // order. Other targets' acknowledged events count as sent.
      Set<String> stopped = new HashSet<>();
      for (int i = 0; i < sending.size(); i++) {
        OutboxEntry entry = sending.get(i);
        try {
          sends.get(i).join();
          if (failure == null || !stopped.contains(entry.subject)) {
            sent.add(entry.id);
            LOG.debugf("ROTOR-2061 sent %s %s", entry.eventType, entry.eventId);
          }
        } catch (RuntimeException e) {
          stopped.add(entry.subject);
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
      if (failure != null && !setAside(failed, failure)) {
        return;
      }
    }
  }

  /** Judges the failure of {@code failed}; whether it was quarantined (the next may go now). */
  private boolean setAside(OutboxEntry failed, RuntimeException failure) {
    String reason = OutboxFailures.describe(failure);
    switch (OutboxFailures.classify(failure)) {
      case PERMANENT -> {
        quarantine(failed, "refused by Kafka: " + reason);
        return true;
      }
      case UNKNOWN -> {
        Instant now = clock.instant();
        Optional<OutboxEntry> counted = store.failedAttempt(failed.id, now);
        int attempts = counted.map(e -> e.attempts).orElse(0);
        Instant since = counted.map(e -> e.firstFailedAt).orElse(now);
        ManifestServiceConfig.Outbox limits = config.outbox();
        if (counted.isPresent()
            && OutboxFailures.exhausted(
                attempts, limits.maxAttempts(), since, limits.quarantineAfter(), now)) {
          quarantine(failed, "failed " + attempts + " times since " + since + ", last: " + reason);
          return true;
        }
        LOG.warnf(
            "ROTOR-2060 event %s (%s, rotation %s) not sent yet: %s (attempt %d since %s;"
                + " quarantined after %d attempts and %s); it is sent again on the next round",
            failed.eventId,
            failed.eventType,
            failed.rotationId,
            reason,
            attempts,
            since,
            limits.maxAttempts(),
            limits.quarantineAfter());
        return false;
      }
      default -> {
        LOG.warnf(
            "ROTOR-2060 event %s (%s, rotation %s) not sent yet: %s; it is sent again on the"
                + " next round",
            failed.eventId, failed.eventType, failed.rotationId, reason);
        return false;
      }
    }
  }

  private void quarantine(OutboxEntry entry, String reason) {
    store.quarantine(entry.id, reason, clock.instant());
    // Never the payload: the event's id, type, rotation and outbox row, and what failed.
    LOG.errorf(
        "ROTOR-2062 event %s (%s, rotation %s, outbox row %d) quarantined, it is not sent again"
            + " unless re-queued (docs/manifest-service.md); the events after it are sent: %s",
        entry.eventId, entry.eventType, entry.rotationId, entry.id, reason);
  }
}
