package dev.rotor.manifest.rotation;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An approval, a review rejection or a rollback trigger, kept by event id. */
@Entity
@Table(name = "rotation_input")
public class RotationInputRecord extends PanacheEntityBase {
  @Id
  @Column(name = "event_id")
  public String eventId;

  @Column(name = "seq", insertable = false, updatable = false)
  public Long seq;

  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "target_id")
  public String targetId;

  @Enumerated(EnumType.STRING)
  public InputKind kind;

  public String actor;
  public boolean force;
  public String cluster;
  public String detail;

  /** For a {@code rollout.failed}: the phase that failed ({@code Phase} name); else null. */
  public String phase;

  /** For a {@code rollout.failed}: its reason ({@code Reasons.Rollout} name); else null. */
  public String reason;

  @Column(name = "received_at")
  public Instant receivedAt;
}
