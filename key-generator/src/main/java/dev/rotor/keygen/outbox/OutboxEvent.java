package dev.rotor.keygen.outbox;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.messaging.TraceContext;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * An outgoing event kept in the same transaction as the decision that caused it (table {@code
 * outbox}): the CloudEvents attributes and the JSON data exactly as they go on the wire. Its key
 * material is sealed; the plaintext key never reaches this table.
 */
@Entity
@Table(name = "outbox")
public class OutboxEvent extends PanacheEntityBase {

  @Id
  @Column(name = "event_id")
  public String eventId;

  /** The id of the event that caused it (null for the cadence's own events). */
  @Column(name = "cause_event_id")
  public String causeEventId;

  /** The CloudEvents source of the event that caused it (null when none, or written before V4). */
  @Column(name = "cause_source")
  public String causeSource;

  /** {@link Outbox#digest} of the event that caused it (null as {@link #causeSource}). */
  @Column(name = "cause_digest")
  public String causeDigest;

  @Column(name = "topic", nullable = false)
  public String topic;

  /** The CloudEvents type, {@code dev.rotor.<name>.v1}. */
  @Column(name = "event_type", nullable = false)
  public String eventType;

  @Column(name = "source", nullable = false)
  public String source;

  @Column(name = "subject", nullable = false)
  public String subject;

  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "event_time", nullable = false)
  public Instant eventTime;

  /** The event's JSON data. */
  @Column(name = "payload", nullable = false)
  public String payload;

  @Column(name = "created_at", nullable = false)
  public Instant createdAt;

  /** When Kafka acknowledged it; null until then. */
  @Column(name = "sent_at")
  public Instant sentAt;

  /** The W3C trace context of the span that decided it; null when tracing is off. */
  @Column(name = "traceparent")
  public String traceparent;

  @Column(name = "tracestate")
  public String tracestate;

  /** Failed sends in a row for a reason not known to be transient ({@code OutboxFailures}). */
  @Column(name = "attempts", nullable = false)
  public int attempts;

  /** When the first of those failures happened; null while there is none. */
  @Column(name = "first_failed_at")
  public Instant firstFailedAt;

  /** When it was set aside as unsendable; null unless quarantined. The relay skips it. */
  @Column(name = "quarantined_at")
  public Instant quarantinedAt;

  /** Why it was quarantined: what failed, never the payload. */
  @Column(name = "quarantine_reason")
  public String quarantineReason;

  static OutboxEvent of(EventEnvelope event, String topic, String causeEventId, Instant now) {
    OutboxEvent row = new OutboxEvent();
    row.eventId = event.id();
    row.causeEventId = causeEventId;
    row.topic = topic;
    row.eventType = event.type().cloudEventType();
    row.source = event.source();
    row.subject = event.subject();
    row.rotationId = event.rotationId();
    row.eventTime = event.time();
    row.payload = new String(EventCodec.encode(event.data()), StandardCharsets.UTF_8);
    row.createdAt = now;
    TraceContext.Stored trace = TraceContext.current();
    if (trace != null) {
      row.traceparent = trace.traceparent();
      row.tracestate = trace.tracestate();
    }
    return row;
  }

  /** The trace context it was decided in, or null. */
  TraceContext.Stored traceContext() {
    return TraceContext.of(traceparent, tracestate);
  }

  /** The event as it was decided. */
  EventEnvelope toEnvelope() {
    EventType type =
        EventType.fromCloudEventType(eventType)
            .orElseThrow(
                () -> new IllegalStateException("outbox event " + eventId + ": unknown type"));
    return new EventEnvelope(
        eventId,
        type,
        source,
        subject,
        rotationId,
        eventTime,
        EventCodec.decode(type, payload.getBytes(StandardCharsets.UTF_8)));
  }
}
