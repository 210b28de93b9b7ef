package dev.rotor.ledger.ingest;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.DeadLetterException;
import dev.rotor.common.messaging.IncomingEvents;
import dev.rotor.common.messaging.Spans;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.checkpoint.CheckpointPublisher;
import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.merkle.TreeHashes;
import dev.rotor.ledger.metrics.LedgerMetrics;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Reads every event topic in batches and appends each event to the log once. A record that is not a
 * valid event goes to rotor.dlq with its reason and the batch goes on. When the database refuses a
 * batch, the same batch is tried again with growing pauses, readiness reports DOWN, and the offsets
 * stay uncommitted, so nothing is lost whether the database comes back or the service restarts.
 */
@ApplicationScoped
public class LedgerConsumer {
  private static final Logger LOG = Logger.getLogger(LedgerConsumer.class);

  @Inject Ingestor ingestor;
  @Inject DeadLetters deadLetters;
  @Inject IngestState state;
  @Inject CheckpointPublisher publisher;
  @Inject LedgerMetrics metrics;
  @Inject LedgerConfig config;
  @Inject Tracer tracer;

  /** Whether tracing is on (docs/tracing.md): only then are the records' trace headers read. */
  @ConfigProperty(
      name = "mp.messaging.connector.smallrye-kafka.tracing-enabled",
      defaultValue = "false")
  boolean tracing;

  private static final AttributeKey<String> TOPIC =
      AttributeKey.stringKey("messaging.destination.name");
  private static final AttributeKey<Long> OFFSET =
      AttributeKey.longKey("messaging.kafka.message.offset");

  /**
   * Data exceptions an event's own values cause, whatever the attempt: a character the database
   * cannot hold (22021, 22P05), a text or number too large for its column (22001, 22003), a time
   * out of range (22008). Other errors, of class 22 too, may come from the service or the schema
   * and would refuse every event alike: those are retried with readiness DOWN instead.
   */
  private static final Set<String> UNSTORABLE_DATA =
      Set.of("22021", "22P05", "22001", "22003", "22008");

  private final Object pause = new Object();
  private volatile boolean stopping;

  private record Refused(ConsumerRecord<String, byte[]> record, DeadLetterException reason) {}

  @Incoming("events")
  @Blocking
  public void consume(ConsumerRecords<String, byte[]> records) {
    List<PreparedEvent> prepared = new ArrayList<>(records.count());
    List<Refused> refused = new ArrayList<>();
    List<Span> recording = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        PreparedEvent event = prepare(record);
        prepared.add(event);
        if (tracing) {
          recording.add(startRecording(record, event));
        }
      } catch (DeadLetterException e) {
        refused.add(new Refused(record, e));
      }
    }
    try {
      if (!prepared.isEmpty()) {
        refused.addAll(store(prepared, records));
      }
    } catch (RuntimeException e) {
      recording.forEach(span -> span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName()));
      throw e;
    } finally {
      recording.forEach(Span::end);
    }
    for (Refused refusal : refused) {
      deadLetter(refusal);
    }
  }

  /**
   * Sends one refused record to rotor.dlq, retrying with the batch's pauses while Kafka refuses it:
   * the batch stays unacknowledged (its stored events are duplicates when read again), readiness
   * reports the problem, and ingest goes on once the record is out, so a dead-letter topic that is
   * away for a while neither loses the record nor stops the channel.
   */
  private void deadLetter(Refused refusal) {
    ConsumerRecord<String, byte[]> record = refusal.record();
    Duration wait = config.ingest().retryBackoff();
    for (int attempt = 1; ; attempt++) {
      try {
        deadLetters.send(record, refusal.reason());
        if (attempt > 1) {
          state.resumed();
          LOG.infof(
              "ROTOR-5015 record %s-%d@%d sent to rotor.dlq after %d attempts; ingest resumed",
              record.topic(), record.partition(), record.offset(), attempt);
        }
        return;
      } catch (RuntimeException e) {
        if (stopping) {
          throw new IllegalStateException(
              "ROTOR-5012 stopping with a record not dead-lettered: its batch stays uncommitted"
                  + " in Kafka",
              e);
        }
        String problem = "dead-letter topic unavailable (" + rootCause(e) + ")";
        state.failing(problem);
        LOG.warnf(
            "ROTOR-5014 record %s-%d@%d (%s) not sent to rotor.dlq (attempt %d): %s; offsets not"
                + " committed, next attempt in %d ms",
            record.topic(),
            record.partition(),
            record.offset(),
            refusal.reason().reasonCode(),
            attempt,
            problem,
            wait.toMillis());
        pause(wait);
        wait = min(wait.multipliedBy(2), config.ingest().maxRetryBackoff());
      }
    }
  }

  /**
   * A span for recording one event, in the trace of the record it came in (a batch mixes traces, so
   * each event's span has its own record's context as parent); ids only.
   */
  private Span startRecording(ConsumerRecord<String, byte[]> record, PreparedEvent prepared) {
    EventEnvelope event = prepared.event();
    Attributes attributes =
        Attributes.builder()
            .put(Spans.EVENT_TYPE, event.type().cloudEventType())
            .put(Spans.EVENT_ID, event.id())
            .put(Spans.TARGET_ID, event.subject())
            .put(TOPIC, record.topic())
            .put(OFFSET, record.offset())
            .build();
    if (event.rotationId() != null) {
      attributes = attributes.toBuilder().put(Spans.ROTATION_ID, event.rotationId()).build();
    }
    return Spans.startChildOf(
        tracer, "rotor.ledger.record", attributes, TraceContext.ofRecord(record));
  }

  /**
   * Reads one record into an event and its canonical bytes. Whatever goes wrong here is a property
   * of that record, so it goes to rotor.dlq, never stops the channel: a failure-strategy=fail
   * channel that throws would stop ingest for good, and read the same record again at every
   * restart. The reason names the exception's class only, never its message, which may quote the
   * value.
   */
  static PreparedEvent prepare(ConsumerRecord<String, byte[]> record) {
    EventEnvelope event;
    try {
      event = IncomingEvents.decode(record);
    } catch (DeadLetterException e) {
      throw e;
    } catch (RuntimeException e) {
      throw IncomingEvents.deadLetter(
          record,
          new DeadLetterException(
              "UNREADABLE", "record: cannot be decoded (" + e.getClass().getSimpleName() + ")"));
    }
    byte[] canonical;
    try {
      canonical = CanonicalEvent.bytes(event);
    } catch (IllegalArgumentException e) {
      throw IncomingEvents.deadLetter(
          record, new DeadLetterException("UNCANONICAL", "data " + e.getMessage()));
    } catch (RuntimeException e) {
      throw IncomingEvents.deadLetter(
          record,
          new DeadLetterException(
              "UNCANONICAL", "data: has no canonical form (" + e.getClass().getSimpleName() + ")"));
    }
    return new PreparedEvent(
        event,
        canonical,
        TreeHashes.leaf(canonical),
        record.topic(),
        record.partition(),
        record.offset());
  }

  /**
   * Stores {@code batch}, retrying while the database refuses it. When the database refuses the
   * data itself ({@link #UNSTORABLE_DATA}: no retry can change that), the events are stored one by
   * one and each one it refuses is returned, to be dead-lettered: one event the database cannot
   * hold must not keep every later one out of the log.
   */
  private List<Refused> store(List<PreparedEvent> batch, ConsumerRecords<String, byte[]> records) {
    Duration wait = config.ingest().retryBackoff();
    long started = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      try {
        Ingestor.Outcome outcome = ingestor.append(batch);
        state.stored(outcome.treeSize());
        metrics.batchStored(batch.size(), Duration.ofNanos(System.nanoTime() - started));
        if (attempt > 1) {
          LOG.infof(
              "ROTOR-5011 batch of %d events stored after %d attempts; ingest resumed at %d"
                  + " entries",
              batch.size(), attempt, outcome.treeSize());
        } else {
          LOG.debugf(
              "ROTOR-5002 appended %d entries (%d duplicates skipped); the log has %d",
              outcome.appended().size(), outcome.duplicates(), outcome.treeSize());
        }
        if (outcome.checkpoint() != null) {
          publisher.signal();
        }
        return conflicting(outcome.conflicting(), records);
      } catch (RuntimeException e) {
        String sqlState = sqlState(e);
        if (sqlState != null && UNSTORABLE_DATA.contains(sqlState)) {
          return unstorable(batch, records, sqlState);
        }
        if (stopping) {
          throw new IllegalStateException(
              "ROTOR-5013 stopping with a batch not stored: it stays uncommitted in Kafka", e);
        }
        String problem = describe(e);
        state.failing(problem);
        metrics.batchRetried();
        LOG.warnf(
            "ROTOR-5010 batch of %d events not stored (attempt %d): %s; offsets not committed,"
                + " next attempt in %d ms",
            batch.size(), attempt, problem, wait.toMillis());
        pause(wait);
        wait = min(wait.multipliedBy(2), config.ingest().maxRetryBackoff());
      }
    }
  }

  private List<Refused> unstorable(
      List<PreparedEvent> batch, ConsumerRecords<String, byte[]> records, String sqlState) {
    if (batch.size() > 1) {
      LOG.warnf(
          "ROTOR-5017 the database refuses the data of a batch of %d events (SQLState %s);"
              + " storing them one by one",
          batch.size(), sqlState);
      List<Refused> refused = new ArrayList<>();
      for (PreparedEvent event : batch) {
        refused.addAll(store(List.of(event), records));
      }
      return refused;
    }
    PreparedEvent event = batch.get(0);
    LOG.errorf(
        "ROTOR-5018 event %s (%s, rotation %s, record %s-%d@%d) cannot be stored: the database"
            + " refuses its data (SQLState %s); it goes to the dead-letter topic",
        event.event().id(),
        event.event().type().eventName(),
        event.event().rotationId(),
        event.topic(),
        event.partition(),
        event.offset(),
        sqlState);
    ConsumerRecord<String, byte[]> record =
        records.records(new TopicPartition(event.topic(), event.partition())).stream()
            .filter(r -> r.offset() == event.offset())
            .findFirst()
            .orElseThrow();
    return List.of(
        new Refused(
            record,
            IncomingEvents.deadLetter(
                record,
                new DeadLetterException(
                    "UNSTORABLE", "data: the database refuses it (SQLState " + sqlState + ")"))));
  }

  /**
   * Events whose source and id the log holds with other content: the log keeps the first, and each
   * other one goes to rotor.dlq with CONFLICTING_DUPLICATE, so the auditor sees it (a forged event,
   * a producer that reused an id, or a reprocessing that gave the same id a new time).
   */
  private static List<Refused> conflicting(
      List<PreparedEvent> events, ConsumerRecords<String, byte[]> records) {
    List<Refused> refused = new ArrayList<>();
    for (PreparedEvent event : events) {
      ConsumerRecord<String, byte[]> record = recordOf(event, records);
      refused.add(
          new Refused(
              record,
              IncomingEvents.deadLetter(
                  record,
                  new DeadLetterException(
                      "CONFLICTING_DUPLICATE",
                      "ce_id: the log holds an event of this source and id with other content"
                          + " (entry kept: the first)"))));
    }
    return refused;
  }

  private static ConsumerRecord<String, byte[]> recordOf(
      PreparedEvent event, ConsumerRecords<String, byte[]> records) {
    return records.records(new TopicPartition(event.topic(), event.partition())).stream()
        .filter(r -> r.offset() == event.offset())
        .findFirst()
        .orElseThrow();
  }

  /** The first SQLState in the causes of {@code failure}, or null. */
  private static String sqlState(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }

  private void pause(Duration wait) {
    synchronized (pause) {
      if (stopping) {
        return;
      }
      try {
        pause.wait(Math.max(1, wait.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopping = true;
      }
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    synchronized (pause) {
      stopping = true;
      pause.notifyAll();
    }
  }

  /**
   * What went wrong, for a log line and the readiness check: the database's state code and the
   * server's primary message only. The driver's own messages are not used: a BatchUpdateException
   * quotes the whole rewritten INSERT with every parameter (canonical bytes, escrow copies), and a
   * server error's detail quotes key values.
   */
  static String describe(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        boolean unavailable = sql.getSQLState().startsWith("08");
        String kind = unavailable ? "database unavailable" : "database error";
        String message = serverMessage(sql);
        if (message == null && unavailable && sql instanceof PSQLException) {
          // The driver's own connection failure (refused, reset, timed out): no data in it.
          message = firstLine(sql.getMessage());
        }
        return kind
            + " (SQLState "
            + sql.getSQLState()
            + (message == null ? "" : ": " + message)
            + ")";
      }
    }
    return "database error (" + rootCause(failure) + ")";
  }

  /** The primary message PostgreSQL sent with {@code failure}, from it or its causes, or null. */
  private static String serverMessage(SQLException failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Throwable> pending = new ArrayList<>(List.of(failure));
    while (!pending.isEmpty()) {
      Throwable next = pending.remove(0);
      if (next == null || !seen.add(next)) {
        continue;
      }
      if (next instanceof PSQLException psql) {
        ServerErrorMessage server = psql.getServerErrorMessage();
        if (server != null && server.getMessage() != null) {
          return firstLine(server.getMessage());
        }
      }
      pending.add(next.getCause());
      if (next instanceof SQLException sql) {
        pending.add(sql.getNextException());
      }
    }
    return null;
  }

  /** The innermost cause's class and the first line of its message. */
  private static String rootCause(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + firstLine(root.getMessage());
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no message";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
