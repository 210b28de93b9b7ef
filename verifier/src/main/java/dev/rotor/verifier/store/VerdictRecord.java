package dev.rotor.verifier.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A verdict decided, unique per rotation, cluster, kind and verdict: the database refuses a second
 * one, whatever a restarted or duplicated verifier does. Rotation-wide outcomes use cluster {@code
 * *}.
 */
@Entity
@Table(name = "verdict")
public class VerdictRecord extends PanacheEntityBase {
  /** The cluster of rotation-wide outcomes ({@code rotation.completed}, ...). */
  public static final String ROTATION_WIDE = "*";

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "rotation_id")
  public String rotationId;

  public String cluster;

  public String kind;

  public String verdict;

  @Column(name = "event_id")
  public String eventId;

  @Column(name = "decided_at")
  public Instant decidedAt;
}
