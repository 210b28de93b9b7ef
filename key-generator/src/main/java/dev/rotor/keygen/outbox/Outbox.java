package dev.rotor.keygen.outbox;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.OutboxFailures;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.keygen.Instants;
import dev.rotor.keygen.KeyGeneratorConfig;
import dev.rotor.keygen.KeyGeneratorMetrics;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The transactional outbox: an event is written in the same transaction as the decision that caused
 * it, and sent after the commit. What a crash, or an unreachable broker, left unsent is sent again:
 * when its cause is redelivered, and every {@code outbox.retry-interval} (the first time right
 * after start-up). A row is locked while it is sent ({@code FOR UPDATE SKIP LOCKED}), so two
 * senders never send it twice; a re-send after a crash carries the same event id, which consumers
 * recognise as a duplicate.
 *
 * <p>A row that can never be sent does not hold up the others (common's {@link OutboxFailures}):
 * one that no longer decodes or that Kafka refuses for good is quarantined at once ({@code
 * ROTOR-1033}, once, at ERROR), one that failed {@code outbox.max-attempts} times in a row for a
 * reason not known to be transient, the first of them at least {@code outbox.quarantine-after} ago,
 * too. A transient failure (a timeout, the broker away) quarantines nothing and ends the relay run:
 * every row would fail alike, and all of them are tried again on the next run. The key-generator's
 * events need no order between them (one answer per request, one cadence event per due date), so
 * the relay goes past a row that failed to the ones after it.
 */
@ApplicationScoped
public class Outbox {
  private static final Logger LOG = Logger.getLogger(Outbox.class);
  private static final int RELAY_BATCH = 100;
  private static final int MAX_QUARANTINE_REASON = 600;

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
   *
   * @throws EventTooLargeException if its data are over the {@value EventCodec#MAX_DATA_BYTES}
   *     bytes every consumer accepts: it could never be sent, so the decision must not commit
   */
  public String add(EventEnvelope event, String causeEventId) {
    return store(event, causeEventId, null);
  }

  /**
   * Adds {@code event}, the answer to {@code cause}, like {@link #add(EventEnvelope, String)},
   * keeping the cause's source and {@linkplain #digest digest} so that a later event with the same
   * id can be told apart from a redelivery ({@link #earlierCause}).
   */
  public String addAnswer(EventEnvelope event, EventEnvelope cause) {
    return store(event, cause.id(), cause);
  }

  private String store(EventEnvelope event, String causeEventId, EventEnvelope cause) {
    String topic = event.type().topics().get(0);
    OutboxEvent row = OutboxEvent.of(event, topic, causeEventId, Instants.now(clock));
    if (cause != null) {
      row.causeSource = cause.source();
      row.causeDigest = digest(cause);
    }
    int size = row.payload.getBytes(StandardCharsets.UTF_8).length;
    if (size > EventCodec.MAX_DATA_BYTES) {
      throw new EventTooLargeException(event, size);
    }
    row.persist();
    return event.id();
  }

  /** What was decided earlier for an event id: the cause it was decided for, and the answer. */
  public record EarlierCause(
      String source, String digest, String rotationId, String subject, String eventType) {
    /**
     * Whether {@code event} is that cause delivered again: the same source and content. A row
     * written before the source and digest were kept cannot tell, and counts as the same.
     */
    public boolean isSameAs(EventEnvelope event) {
      return source == null
          || digest == null
          || (source.equals(event.source()) && digest.equals(Outbox.digest(event)));
    }
  }

  /**
   * What events caused by {@code causeEventId} were decided for, if any were (in a transaction).
   */
  public Optional<EarlierCause> earlierCause(String causeEventId) {
    return OutboxEvent.<OutboxEvent>find("causeEventId = ?1 order by createdAt", causeEventId)
        .firstResultOptional()
        .map(
            e ->
                new EarlierCause(
                    e.causeSource, e.causeDigest, e.rotationId, e.subject, e.eventType));
  }

  /**
   * SHA-256 (hex) of what makes {@code event} the event it is, besides its id and source: its type,
   * subject, rotation id and data as encoded. A redelivery has the same; a different request
   * reusing the id has not.
   */
  public static String digest(EventEnvelope event) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      for (String part :
          new String[] {event.type().cloudEventType(), event.subject(), event.rotationId()}) {
        sha256.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
      }
      sha256.update(EventCodec.encode(event.data()));
      return HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /**
   * The ids of events caused by {@code causeEventId} that are not sent yet and not quarantined (in
   * a transaction).
   */
  public List<String> unsentCausedBy(String causeEventId) {
    return OutboxEvent.<OutboxEvent>find(
            "causeEventId = ?1 and sentAt is null and quarantinedAt is null", causeEventId)
        .stream()
        .map(e -> e.eventId)
        .toList();
  }

  /** What became of one try to send a row. */
  enum Result {
    /** Kafka acknowledged it. */
    SENT,
    /** Sent already, quarantined, or being sent by another sender right now. */
    SKIPPED,
    /** It can never be sent: set aside, the next one may go. */
    QUARANTINED,
    /** It failed for a reason not known to be transient: counted, tried again later. */
    COUNTED,
    /** It failed for a reason every row meets alike (broker away, timeout): tried again later. */
    TRANSIENT
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

  /**
   * Sends what is unsent and not quarantined, oldest first, page by page past the rows that fail,
   * until a transient failure ends the run. Also runs right after start-up.
   */
  @Scheduled(
      identity = "rotor-key-generator-outbox",
      every = "${rotor.key-generator.outbox.retry-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void relay() {
    long waiting = QuarkusTransaction.requiringNew().call(Outbox::countUnsent);
    if (waiting > 0) {
      LOG.infof(
          "ROTOR-1032 %s %d event(s) decided earlier but not acknowledged by Kafka",
          firstRelay.get() ? "after start-up, sending" : "sending again", waiting);
    }
    firstRelay.set(false);
    OutboxEvent last = null;
    pages:
    while (waiting > 0) {
      OutboxEvent after = last;
      List<OutboxEvent> page = QuarkusTransaction.requiringNew().call(() -> unsentAfter(after));
      if (page.isEmpty()) {
        break;
      }
      for (OutboxEvent row : page) {
        if (trySend(row.eventId) == Result.TRANSIENT) {
          break pages; // every row would fail alike: all of them wait for the next run
        }
      }
      last = page.get(page.size() - 1);
    }
    long[] counts =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    new long[] {
                      countUnsent(),
                      OutboxEvent.count("sentAt is null and quarantinedAt is not null")
                    });
    metrics.outbox(counts[0], counts[1]);
  }

  private static long countUnsent() {
    return OutboxEvent.count("sentAt is null and quarantinedAt is null");
  }

  /** The next page of unsent, not quarantined rows, oldest first, after {@code after} if given. */
  private static List<OutboxEvent> unsentAfter(OutboxEvent after) {
    if (after == null) {
      return OutboxEvent.<OutboxEvent>find(
              "sentAt is null and quarantinedAt is null order by createdAt, eventId")
          .page(0, RELAY_BATCH)
          .list();
    }
    return OutboxEvent.<OutboxEvent>find(
            "sentAt is null and quarantinedAt is null"
                + " and (createdAt > ?1 or (createdAt = ?1 and eventId > ?2))"
                + " order by createdAt, eventId",
            after.createdAt,
            after.eventId)
        .page(0, RELAY_BATCH)
        .list();
  }

  private Result trySend(String eventId) {
    Duration timeout = config.outbox().sendTimeout();
    try {
      return QuarkusTransaction.requiringNew()
          .timeout((int) timeout.toSeconds() + 30)
          .call(() -> sendLocked(eventId, timeout));
    } catch (RuntimeException e) {
      // The database, or the transaction: nothing is wrong with the row.
      metrics.outboxSendFailed();
      LOG.warnf(
          "ROTOR-1031 event %s is not sent yet (%s); the outbox tries again every %s",
          eventId, OutboxFailures.describe(e), config.outbox().retryInterval());
      return Result.TRANSIENT;
    }
  }

  private Result sendLocked(String eventId, Duration timeout) {
    @SuppressWarnings("unchecked")
    List<OutboxEvent> rows =
        OutboxEvent.getEntityManager()
            .createNativeQuery(
                "SELECT * FROM outbox WHERE event_id = :id AND sent_at IS NULL"
                    + " AND quarantined_at IS NULL FOR UPDATE SKIP LOCKED",
                OutboxEvent.class)
            .setParameter("id", eventId)
            .getResultList();
    if (rows.isEmpty()) {
      return Result.SKIPPED; // sent or quarantined already, or being sent by another sender now
    }
    OutboxEvent row = rows.get(0);
    EventEnvelope event;
    Message<byte[]> message;
    MutinyEmitter<byte[]> emitter;
    try {
      emitter = emitter(row.topic);
      event = row.toEnvelope();
      // The relay runs after the commit or on the retry timer: the stored trace context, not the
      // relay's own, is the parent of the send.
      message = TraceContext.asParentOf(KafkaEvents.toMessage(event), row.traceContext());
    } catch (RuntimeException e) {
      metrics.outboxSendFailed();
      quarantine(row, "cannot be read: " + OutboxFailures.describe(e));
      return Result.QUARANTINED;
    }
    try {
      emitter.sendMessage(message).await().atMost(timeout);
    } catch (RuntimeException e) {
      metrics.outboxSendFailed();
      return failed(row, e);
    }
    row.sentAt = Instants.now(clock);
    LOG.debugf(
        "ROTOR-1030 sent %s %s of %s to %s",
        event.type().eventName(), event.id(), row.subject, row.topic);
    return Result.SENT;
  }

  /** Judges a failed send of {@code row}; its changes commit with the caller's transaction. */
  private Result failed(OutboxEvent row, RuntimeException failure) {
    String reason = OutboxFailures.describe(failure);
    KeyGeneratorConfig.Outbox limits = config.outbox();
    switch (OutboxFailures.classify(failure)) {
      case PERMANENT -> {
        quarantine(row, "refused by Kafka: " + reason);
        return Result.QUARANTINED;
      }
      case UNKNOWN -> {
        Instant now = Instants.now(clock);
        row.attempts++;
        if (row.firstFailedAt == null) {
          row.firstFailedAt = now;
        }
        if (OutboxFailures.exhausted(
            row.attempts, limits.maxAttempts(), row.firstFailedAt, limits.quarantineAfter(), now)) {
          quarantine(
              row,
              "failed " + row.attempts + " times since " + row.firstFailedAt + ", last: " + reason);
          return Result.QUARANTINED;
        }
        LOG.warnf(
            "ROTOR-1031 event %s is not sent yet (%s, attempt %d since %s; quarantined after %d"
                + " attempts and %s); the outbox tries again every %s",
            row.eventId,
            reason,
            row.attempts,
            row.firstFailedAt,
            limits.maxAttempts(),
            limits.quarantineAfter(),
            limits.retryInterval());
        return Result.COUNTED;
      }
      default -> {
        LOG.warnf(
            "ROTOR-1031 event %s is not sent yet (%s); the outbox tries again every %s",
            row.eventId, reason, limits.retryInterval());
        return Result.TRANSIENT;
      }
    }
  }

  private void quarantine(OutboxEvent row, String reason) {
    row.quarantinedAt = Instants.now(clock);
    row.quarantineReason =
        reason.length() <= MAX_QUARANTINE_REASON
            ? reason
            : reason.substring(0, MAX_QUARANTINE_REASON);
    // Never the payload: the event's id, type, target and rotation, and what failed. Once: the
    // relay never reads a quarantined row again.
    LOG.errorf(
        "ROTOR-1033 event %s (%s of %s, rotation %s) quarantined: it can never be sent and is not"
            + " tried again unless re-queued (docs/key-generator.md); the events after it are"
            + " sent: %s",
        row.eventId, row.eventType, row.subject, row.rotationId, row.quarantineReason);
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
}
