package dev.rotor.keygen.outbox;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.keygen.Instants;
import dev.rotor.keygen.KeyGeneratorConfig;
import dev.rotor.keygen.KeyGeneratorMetrics;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * The transactional outbox: an event is written in the same transaction as the decision that caused
 * it, and sent after the commit. What a crash, or an unreachable broker, left unsent is sent again:
 * when its cause is redelivered, and every {@code outbox.retry-interval} (the first time right
 * after start-up). A row is locked while it is sent ({@code FOR UPDATE SKIP LOCKED}), so two
 * senders never send it twice; a re-send after a crash carries the same event id, which consumers
 * recognise as a duplicate.
 */
@ApplicationScoped
public class Outbox {
  private static final Logger LOG = Logger.getLogger(Outbox.class);
  private static final int RELAY_BATCH = 100;

  @Inject
  @Channel("keys")
  MutinyEmitter<byte[]> keys;

  @Inject
  @Channel("requests-out")
  MutinyEmitter<byte[]> requests;

  @Inject Clock clock;
  @Inject KeyGeneratorConfig config;
  @Inject KeyGeneratorMetrics metrics;

  private final AtomicBoolean firstRelay = new AtomicBoolean(true);

  /**
   * Adds {@code event} to the outbox, in the caller's transaction, for the topic its type is
   * written to. Returns its id, for {@link #send(List)} after the commit.
   */
  public String add(EventEnvelope event, String causeEventId) {
    String topic = event.type().topics().get(0);
    OutboxEvent.of(event, topic, causeEventId, Instants.now(clock)).persist();
    return event.id();
  }

  /** Whether events caused by {@code causeEventId} were decided already (in a transaction). */
  public boolean hasEventsCausedBy(String causeEventId) {
    return OutboxEvent.count("causeEventId", causeEventId) > 0;
  }

  /** The ids of events caused by {@code causeEventId} that are not sent yet (in a transaction). */
  public List<String> unsentCausedBy(String causeEventId) {
    return OutboxEvent.<OutboxEvent>find("causeEventId = ?1 and sentAt is null", causeEventId)
        .stream()
        .map(e -> e.eventId)
        .toList();
  }

  /**
   * Sends the events, each in its own transaction, outside any transaction of the caller (call it
   * after the commit). An event that cannot be sent now is logged and left for the retry.
   */
  public void send(List<String> eventIds) {
    for (String eventId : eventIds) {
      trySend(eventId);
    }
  }

  /** Sends what is unsent, oldest first. Also runs right after start-up. */
  @Scheduled(
      identity = "rotor-key-generator-outbox",
      every = "${rotor.key-generator.outbox.retry-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void relay() {
    List<String> unsent =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    OutboxEvent.<OutboxEvent>find("sentAt is null order by createdAt, eventId")
                        .page(0, RELAY_BATCH)
                        .stream()
                        .map(e -> e.eventId)
                        .toList());
    if (!unsent.isEmpty()) {
      LOG.infof(
          "ROTOR-1032 %s %d event(s) decided earlier but not acknowledged by Kafka",
          firstRelay.get() ? "after start-up, sending" : "sending again", unsent.size());
    }
    firstRelay.set(false);
    send(unsent);
    metrics.outboxUnsent(
        QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count("sentAt is null")));
  }

  private boolean trySend(String eventId) {
    Duration timeout = config.outbox().sendTimeout();
    try {
      return QuarkusTransaction.requiringNew()
          .timeout((int) timeout.toSeconds() + 30)
          .call(() -> sendLocked(eventId, timeout));
    } catch (RuntimeException e) {
      metrics.outboxSendFailed();
      LOG.warnf(
          "ROTOR-1031 event %s is not sent yet (%s); the outbox tries again every %s",
          eventId, describe(e), config.outbox().retryInterval());
      return false;
    }
  }

  private boolean sendLocked(String eventId, Duration timeout) {
    @SuppressWarnings("unchecked")
    List<OutboxEvent> rows =
        OutboxEvent.getEntityManager()
            .createNativeQuery(
                "SELECT * FROM outbox WHERE event_id = :id AND sent_at IS NULL"
                    + " FOR UPDATE SKIP LOCKED",
                OutboxEvent.class)
            .setParameter("id", eventId)
            .getResultList();
    if (rows.isEmpty()) {
      return false; // sent already, or being sent by another sender right now
    }
    OutboxEvent row = rows.get(0);
    EventEnvelope event = row.toEnvelope();
    // The relay runs after the commit or on the retry timer: the stored trace context, not the
    // relay's own, is the parent of the send.
    emitter(row.topic)
        .sendMessage(TraceContext.asParentOf(KafkaEvents.toMessage(event), row.traceContext()))
        .await()
        .atMost(timeout);
    row.sentAt = Instants.now(clock);
    LOG.debugf(
        "ROTOR-1030 sent %s %s of %s to %s",
        event.type().eventName(), event.id(), row.subject, row.topic);
    return true;
  }

  private MutinyEmitter<byte[]> emitter(String topic) {
    if (Topics.KEYS.equals(topic)) {
      return keys;
    }
    if (Topics.REQUESTS.equals(topic)) {
      return requests;
    }
    throw new IllegalStateException("the key-generator does not write topic " + topic);
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
