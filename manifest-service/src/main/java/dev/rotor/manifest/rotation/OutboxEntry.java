package dev.rotor.manifest.rotation;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.messaging.TraceContext;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** An event written with the state it reports, sent after the transaction committed. */
@Entity
@Table(name = "outbox")
public class OutboxEntry extends PanacheEntityBase {
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "event_id")
  public String eventId;

  public String topic;

  @Column(name = "event_type")
  public String eventType;

  public String source;
  public String subject;

  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "event_time")
  public Instant eventTime;

  public String data;

  @Column(name = "created_at")
  public Instant createdAt;

  @Column(name = "sent_at")
  public Instant sentAt;

  /** The W3C trace context of the step that wrote it; null when tracing is off. */
  public String traceparent;

  public String tracestate;

  /** Failed sends in a row whose cause was not known to be transient. */
  public int attempts;

  /** When the first of those {@link #attempts} failed; null while there are none. */
  @Column(name = "first_failed_at")
  public Instant firstFailedAt;

  /** When it was set aside for good ({@code OutboxSender}); null while it is sent normally. */
  @Column(name = "quarantined_at")
  public Instant quarantinedAt;

  /** Why it was set aside: the failure, never the payload. */
  @Column(name = "quarantine_reason")
  public String quarantineReason;

  static OutboxEntry of(EventEnvelope event, String topic, Instant now) {
    OutboxEntry entry = new OutboxEntry();
    entry.eventId = event.id();
    entry.topic = topic;
    entry.eventType = event.type().cloudEventType();
    entry.source = event.source();
    entry.subject = event.subject();
    entry.rotationId = event.rotationId();
    entry.eventTime = event.time();
    entry.data = new String(EventCodec.encode(event.data()), StandardCharsets.UTF_8);
    entry.createdAt = now;
    TraceContext.Stored trace = TraceContext.current();
    if (trace != null) {
      entry.traceparent = trace.traceparent();
      entry.tracestate = trace.tracestate();
    }
    return entry;
  }

  /** The trace context it was written in, or null. */
  public TraceContext.Stored traceContext() {
    return TraceContext.of(traceparent, tracestate);
  }

  /** The event as it was written. */
  public EventEnvelope envelope() {
    EventType type =
        EventType.fromCloudEventType(eventType)
            .orElseThrow(() -> new IllegalStateException("unknown event type " + eventType));
    return new EventEnvelope(
        eventId,
        type,
        source,
        subject,
        rotationId,
        eventTime,
        EventCodec.decode(type, data.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Whether the outbox already holds {@code eventId}. A query of its own rather than Panache's
   * {@code count(...)}: Hibernate builds and translates a count query anew on every call; this
   * one's plan is cached.
   */
  static boolean holds(String eventId) {
    return !getEntityManager()
        .createQuery("select o.id from OutboxEntry o where o.eventId = ?1", Long.class)
        .setParameter(1, eventId)
        .setMaxResults(1)
        .getResultList()
        .isEmpty();
  }
}
