package dev.rotor.notifier.delivery;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.notifier.message.RotationContext;
import dev.rotor.notifier.slack.Posted;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * The notifier's durable state in PostgreSQL: which event went to which channel, each rotation's
 * thread per channel, and what later messages of a rotation show. Each call is one short
 * transaction of its own, so that a database outage is one more reason to retry, never a
 * half-recorded delivery; any failure is a {@link StoreUnavailableException}.
 */
@ApplicationScoped
public class DeliveryStore {

  /**
   * What is known before an attempt.
   *
   * @param delivered the event already went to the channel
   * @param context what the rotation's earlier events said
   * @param threadTs the rotation's thread in the channel, if it has one
   */
  public record Prior(boolean delivered, RotationContext context, Optional<String> threadTs) {}

  private final Clock clock;

  @Inject
  public DeliveryStore(Clock clock) {
    this.clock = clock;
  }

  /**
   * Records what {@code event} tells about its rotation and returns what is known about its
   * delivery to {@code channel}.
   */
  public Prior prepare(EventEnvelope event, String channel) {
    try {
      return QuarkusTransaction.requiringNew()
          .call(
              () -> {
                RotationContext context = RotationContext.NONE;
                Optional<String> threadTs = Optional.empty();
                if (event.rotationId() != null) {
                  // A DUPLICATE answer is no news of the rotation it names: it may reply in the
                  // rotation's thread, but changes and shows nothing of what is known of it.
                  if (!RotationEvents.answersAnotherRequest(event)) {
                    context = remember(event);
                  }
                  threadTs = RotationThread.tsOf(event.rotationId(), channel);
                }
                return new Prior(Delivery.exists(event.id(), channel), context, threadTs);
              });
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(e);
    }
  }

  /**
   * Records that {@code event} went to {@code channel} and finishes its queue row {@code seq}, in
   * one transaction; the first message of a rotation with a {@code ts} starts the rotation's thread
   * there, unless it is a {@code DUPLICATE} answer ({@link RotationEvents#answersAnotherRequest}).
   * Recording twice is harmless. With {@code posted} null, only the row is finished (the delivery
   * was on record already).
   */
  public void recordDelivery(
      long seq,
      EventEnvelope event,
      String channel,
      Posted posted,
      Optional<String> threadTs,
      int attempts) {
    try {
      QuarkusTransaction.requiringNew()
          .run(
              () -> {
                QueuedMessage.update(
                    "state = ?1, attempts = ?2, finishedAt = ?3, nextAttemptAt = null"
                        + " where seq = ?4",
                    QueuedMessage.DELIVERED,
                    attempts,
                    clock.instant(),
                    seq);
                if (posted == null || Delivery.exists(event.id(), channel)) {
                  return;
                }
                Delivery delivery = new Delivery();
                delivery.eventId = event.id();
                delivery.channel = channel;
                delivery.eventType = event.type().eventName();
                delivery.rotationId = event.rotationId();
                delivery.endsRotation = RotationEvents.endsRotation(event);
                delivery.slackTs = posted.ts().orElse(null);
                delivery.threadTs = threadTs.orElse(null);
                delivery.attempts = attempts;
                delivery.deliveredAt = clock.instant();
                delivery.persist();
                if (event.rotationId() != null
                    && !RotationEvents.answersAnotherRequest(event)
                    && threadTs.isEmpty()
                    && posted.ts().isPresent()
                    && RotationThread.tsOf(event.rotationId(), channel).isEmpty()) {
                  RotationThread thread = new RotationThread();
                  thread.rotationId = event.rotationId();
                  thread.channel = channel;
                  thread.ts = posted.ts().get();
                  thread.eventId = event.id();
                  thread.createdAt = clock.instant();
                  thread.persist();
                }
              });
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(e);
    }
  }

  private RotationContext remember(EventEnvelope event) {
    // Every channel's loop prepares its own attempts, so two may record the same new rotation at
    // once: insert-if-absent in the database, then take the row's lock for the updates below.
    RotationRecord.getEntityManager()
        .createNativeQuery(
            "insert into notifier_rotation (rotation_id, target_id, updated_at)"
                + " values (?1, ?2, ?3) on conflict (rotation_id) do nothing")
        .setParameter(1, event.rotationId())
        .setParameter(2, event.data().targetId())
        .setParameter(3, clock.instant())
        .executeUpdate();
    RotationRecord record =
        RotationRecord.findById(event.rotationId(), LockModeType.PESSIMISTIC_WRITE);
    String fingerprint = fingerprintOf(event.data());
    if (fingerprint != null && !fingerprint.equals(record.fingerprint)) {
      record.fingerprint = fingerprint;
      record.updatedAt = clock.instant();
    }
    if (event.data() instanceof ManifestProposed proposed
        && proposed.changeRequestUrl() != null
        && !Objects.equals(proposed.changeRequestUrl(), record.changeRequestUrl)) {
      record.changeRequestUrl = proposed.changeRequestUrl();
      record.updatedAt = clock.instant();
    }
    return new RotationContext(
        Optional.ofNullable(record.fingerprint), Optional.ofNullable(record.changeRequestUrl));
  }

  /** The new key's fingerprint, from the events that state it (never an observed one). */
  private static String fingerprintOf(RotorEvent data) {
    if (data instanceof KeyGenerated e) {
      return e.fingerprint();
    }
    if (data instanceof ManifestProposed e) {
      return e.fingerprint();
    }
    if (data instanceof ManifestApproved e) {
      return e.fingerprint();
    }
    if (data instanceof RotationCompleted e) {
      return e.fingerprint();
    }
    return null;
  }
}
