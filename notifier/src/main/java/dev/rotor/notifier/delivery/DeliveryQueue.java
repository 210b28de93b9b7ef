package dev.rotor.notifier.delivery;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.notifier.config.ChannelSettings;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The channels' queues in PostgreSQL ({@code notifier_queue}). Each call is one short transaction;
 * any failure is a {@link StoreUnavailableException}.
 */
@ApplicationScoped
public class DeliveryQueue {
  /** The PostgreSQL notification channel on which enqueued rows wake the delivery loops. */
  static final String NOTIFY_CHANNEL = "rotor_notifier_queue";

  /**
   * How many rows a channel has pending, and since when the oldest waits.
   *
   * @param pending rows not yet delivered nor given up
   * @param oldest when the oldest of them was enqueued
   */
  public record Backlog(long pending, Optional<Instant> oldest) {
    static final Backlog EMPTY = new Backlog(0, Optional.empty());
  }

  private final Clock clock;
  private final EntityManager entities;

  @Inject
  public DeliveryQueue(Clock clock, EntityManager entities) {
    this.clock = clock;
    this.entities = entities;
  }

  /**
   * Queues {@code event} for each of {@code channels} in one transaction, and wakes their loops (in
   * every replica) when it commits. A channel that already has the event queued, delivered or given
   * up gets nothing new.
   *
   * @return the channels that already had the event (duplicates)
   */
  public List<ChannelSettings> enqueue(
      ConsumerRecord<String, byte[]> record,
      EventEnvelope event,
      List<ChannelSettings> channels,
      TraceContext.Stored trace) {
    try {
      return QuarkusTransaction.requiringNew()
          .call(
              () -> {
                List<ChannelSettings> duplicates = new ArrayList<>();
                Instant now = clock.instant();
                String headers = RecordHeadersJson.write(record.headers());
                for (ChannelSettings channel : channels) {
                  String slackChannel = channel.slackChannel();
                  if (QueuedMessage.holds(event.id(), slackChannel)
                      || Delivery.exists(event.id(), slackChannel)) {
                    duplicates.add(channel);
                    continue;
                  }
                  QueuedMessage row = new QueuedMessage();
                  row.eventId = event.id();
                  row.channel = slackChannel;
                  row.channelName = channel.name();
                  row.eventType = event.type().eventName();
                  row.rotationId = event.rotationId();
                  row.endsRotation = RotationEvents.endsRotation(event);
                  row.recordTopic = record.topic();
                  row.recordPartition = record.partition();
                  row.recordOffset = record.offset();
                  row.recordTimestamp = record.timestamp();
                  row.recordKey = record.key();
                  row.recordValue = record.value();
                  row.recordHeaders = headers;
                  row.traceparent = trace == null ? null : trace.traceparent();
                  row.tracestate = trace == null ? null : trace.tracestate();
                  row.state = QueuedMessage.PENDING;
                  row.enqueuedAt = now;
                  row.persist();
                  entities
                      .createNativeQuery("select pg_notify(?1, ?2)")
                      .setParameter(1, NOTIFY_CHANNEL)
                      .setParameter(2, slackChannel)
                      .getSingleResult();
                }
                return duplicates;
              });
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(e);
    }
  }

  /** The first pending row of {@code slackChannel} in read order, if any. */
  public Optional<QueuedMessage> head(String slackChannel) {
    try {
      return QuarkusTransaction.requiringNew()
          .call(
              () ->
                  QueuedMessage.<QueuedMessage>find(
                          "channel = ?1 and state = ?2 order by seq",
                          slackChannel,
                          QueuedMessage.PENDING)
                      .firstResultOptional());
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(e);
    }
  }

  /** Records a failed attempt on row {@code seq} and when the next one is due. */
  public void noteAttempt(
      long seq, int attempts, Instant firstAttempt, Instant nextAttempt, String lastError) {
    try {
      QuarkusTransaction.requiringNew()
          .run(
              () ->
                  QueuedMessage.update(
                      "attempts = ?1, firstAttemptAt = ?2, nextAttemptAt = ?3, lastError = ?4"
                          + " where seq = ?5 and state = ?6",
                      attempts,
                      firstAttempt,
                      nextAttempt,
                      lastError,
                      seq,
                      QueuedMessage.PENDING));
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(e);
    }
  }

  /** Marks row {@code seq} given up, with the dead-letter reason it was sent with. */
  public void markGivenUp(long seq, int attempts, String reason) {
    try {
      QuarkusTransaction.requiringNew()
          .run(
              () ->
                  QueuedMessage.update(
                      "state = ?1, attempts = ?2, outcome = ?3, finishedAt = ?4, nextAttemptAt ="
                          + " null where seq = ?5",
                      QueuedMessage.GIVEN_UP,
                      attempts,
                      reason,
                      clock.instant(),
                      seq));
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(e);
    }
  }

  /** How many rows {@code slackChannel} has pending, and the oldest one's enqueue time. */
  public Backlog backlog(String slackChannel) {
    try {
      return QuarkusTransaction.requiringNew()
          .call(
              () -> {
                Object[] row =
                    (Object[])
                        entities
                            .createQuery(
                                "select count(q), min(q.enqueuedAt) from QueuedMessage q where"
                                    + " q.channel = ?1 and q.state = ?2")
                            .setParameter(1, slackChannel)
                            .setParameter(2, QueuedMessage.PENDING)
                            .getSingleResult();
                long pending = ((Number) row[0]).longValue();
                return new Backlog(pending, Optional.ofNullable((Instant) row[1]));
              });
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(e);
    }
  }
}
