package dev.rotor.verifier.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * When a cluster-agent completed a phase on a cluster ({@code rollout.completed}): from then on the
 * new key was in that cluster's Secret.
 */
@Entity
@Table(name = "rollout_completion")
@IdClass(RolloutStartRecord.Key.class)
public class RolloutCompletionRecord extends PanacheEntityBase {
  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Id public String cluster;

  @Id public String phase;

  @Column(name = "completed_at")
  public Instant completedAt;

  @Column(name = "event_id")
  public String eventId;

  /** Whether {@code phase} completed on {@code cluster} in {@code rotationId}, as far as known. */
  public static boolean completed(String rotationId, String cluster, String phase) {
    return findById(new RolloutStartRecord.Key(rotationId, cluster, phase)) != null;
  }
}
