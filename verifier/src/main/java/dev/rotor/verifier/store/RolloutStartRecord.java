package dev.rotor.verifier.store;

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

/** When a cluster-agent started a phase on a cluster ({@code rollout.started}). */
@Entity
@Table(name = "rollout_start")
@IdClass(RolloutStartRecord.Key.class)
public class RolloutStartRecord extends PanacheEntityBase {
  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Id public String cluster;

  @Id public String phase;

  @Column(name = "started_at")
  public Instant startedAt;

  @Column(name = "event_id")
  public String eventId;

  /** When {@code phase} started on {@code cluster} in {@code rotationId}, if known. */
  public static Optional<Instant> startOf(String rotationId, String cluster, String phase) {
    RolloutStartRecord found = findById(new Key(rotationId, cluster, phase));
    return Optional.ofNullable(found).map(r -> r.startedAt);
  }

  /** The composite key. */
  public static class Key implements Serializable {
    private static final long serialVersionUID = 1L;
    public String rotationId;
    public String cluster;
    public String phase;

    public Key() {}

    public Key(String rotationId, String cluster, String phase) {
      this.rotationId = rotationId;
      this.cluster = cluster;
      this.phase = phase;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && rotationId.equals(k.rotationId)
          && cluster.equals(k.cluster)
          && phase.equals(k.phase);
    }

    @Override
    public int hashCode() {
      return Objects.hash(rotationId, cluster, phase);
    }
  }
}
