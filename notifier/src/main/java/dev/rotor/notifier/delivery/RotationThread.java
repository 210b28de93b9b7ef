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
import java.util.Optional;

/** The thread of one rotation in one channel: the timestamp of its first message. */
@Entity
@Table(name = "notifier_thread")
@IdClass(RotationThread.Key.class)
public class RotationThread extends PanacheEntityBase {

  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Id
  @Column(name = "channel")
  public String channel;

  /** The {@code ts} of the thread's first message, which replies name as {@code thread_ts}. */
  @Column(name = "ts", nullable = false)
  public String ts;

  /** The event whose message started the thread. */
  @Column(name = "event_id", nullable = false)
  public String eventId;

  @Column(name = "created_at", nullable = false)
  public Instant createdAt;

  /** The thread's {@code ts}, if the rotation has a thread in {@code channel}. */
  public static Optional<String> tsOf(String rotationId, String channel) {
    RotationThread thread = findById(new Key(rotationId, channel));
    return thread == null ? Optional.empty() : Optional.of(thread.ts);
  }

  /** The primary key. */
  public static class Key implements Serializable {
    private static final long serialVersionUID = 1L;

    public String rotationId;
    public String channel;

    public Key() {}

    public Key(String rotationId, String channel) {
      this.rotationId = rotationId;
      this.channel = channel;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && Objects.equals(rotationId, k.rotationId)
          && Objects.equals(channel, k.channel);
    }

    @Override
    public int hashCode() {
      return Objects.hash(rotationId, channel);
    }
  }
}
