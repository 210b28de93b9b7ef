package dev.rotor.notifier.delivery;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** One event delivered to one channel: the durable record that makes delivery happen once. */
@Entity
@Table(name = "notifier_delivery")
@IdClass(Delivery.Key.class)
public class Delivery extends PanacheEntityBase {

  @Id
  @Column(name = "event_id")
  public String eventId;

  /** The Slack channel (id or {@code #name}) as configured. */
  @Id
  @Column(name = "channel")
  public String channel;

  @Column(name = "event_type", nullable = false)
  public String eventType;

  @Column(name = "rotation_id")
  public String rotationId;

  /** Whether the event ends its rotation ({@link RotationEvents#endsRotation}). */
  @Column(name = "ends_rotation", nullable = false)
  public boolean endsRotation;

  /** The message's timestamp in Slack (Web API only). */
  @Column(name = "slack_ts")
  public String slackTs;

  /** The thread it was posted in, if it was a reply. */
  @Column(name = "thread_ts")
  public String threadTs;

  @Column(name = "attempts", nullable = false)
  public int attempts;

  @Column(name = "delivered_at", nullable = false)
  public Instant deliveredAt;

  /** Whether {@code eventId} was delivered to {@code channel}. */
  public static boolean exists(String eventId, String channel) {
    return findById(new Key(eventId, channel)) != null;
  }

  /** The primary key. */
  public static class Key implements Serializable {
    private static final long serialVersionUID = 1L;

    public String eventId;
    public String channel;

    public Key() {}

    public Key(String eventId, String channel) {
      this.eventId = eventId;
      this.channel = channel;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && Objects.equals(eventId, k.eventId)
          && Objects.equals(channel, k.channel);
    }

    @Override
    public int hashCode() {
      return Objects.hash(eventId, channel);
    }
  }
}
