package dev.rotor.notifier.delivery;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One event waiting for, or done with, one channel: a row of that channel's queue. It holds the
 * record as read (never the plaintext key: events do not carry it) so that the event can be decoded
 * and, if it must be given up, dead-lettered exactly as read.
 */
@Entity
@Table(name = "notifier_queue")
public class QueuedMessage extends PanacheEntityBase {
  static final String PENDING = "pending";
  static final String DELIVERED = "delivered";
  static final String GIVEN_UP = "given-up";

  /** The order in which the consumer read the events: each channel is delivered in this order. */
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  @Column(name = "seq")
  public Long seq;

  @Column(name = "event_id", nullable = false)
  public String eventId;

  /** The Slack channel (id or {@code #name}) as configured. */
  @Column(name = "channel", nullable = false)
  public String channel;

  /** The channel's configured name, for logs and reasons. */
  @Column(name = "channel_name", nullable = false)
  public String channelName;

  @Column(name = "event_type", nullable = false)
  public String eventType;

  @Column(name = "rotation_id")
  public String rotationId;

  /** Whether the event ends its rotation ({@link RotationEvents#endsRotation}). */
  @Column(name = "ends_rotation", nullable = false)
  public boolean endsRotation;

  @Column(name = "record_topic", nullable = false)
  public String recordTopic;

  @Column(name = "record_partition", nullable = false)
  public int recordPartition;

  @Column(name = "record_offset", nullable = false)
  public long recordOffset;

  @Column(name = "record_timestamp", nullable = false)
  public long recordTimestamp;

  @Column(name = "record_key")
  public String recordKey;

  @Column(name = "record_value")
  public byte[] recordValue;

  /** The record's headers, as written by {@link RecordHeadersJson}. */
  @Column(name = "record_headers", nullable = false)
  public String recordHeaders;

  @Column(name = "traceparent")
  public String traceparent;

  @Column(name = "tracestate")
  public String tracestate;

  @Column(name = "state", nullable = false)
  public String state;

  @Column(name = "enqueued_at", nullable = false)
  public Instant enqueuedAt;

  @Column(name = "attempts", nullable = false)
  public int attempts;

  @Column(name = "first_attempt_at")
  public Instant firstAttemptAt;

  @Column(name = "next_attempt_at")
  public Instant nextAttemptAt;

  @Column(name = "last_error")
  public String lastError;

  @Column(name = "finished_at")
  public Instant finishedAt;

  @Column(name = "outcome")
  public String outcome;

  /**
   * Whether {@code channel}'s queue holds {@code eventId}, in any state. A query of its own rather
   * than Panache's {@code count(...)}: Hibernate builds and translates a count query anew on every
   * call, a tenth of the notifier's CPU in the fleet benchmark; this one's plan is cached.
   */
  static boolean holds(String eventId, String channel) {
    return !getEntityManager()
        .createQuery(
            "select q.seq from QueuedMessage q where q.eventId = ?1 and q.channel = ?2", Long.class)
        .setParameter(1, eventId)
        .setParameter(2, channel)
        .setMaxResults(1)
        .getResultList()
        .isEmpty();
  }
}
