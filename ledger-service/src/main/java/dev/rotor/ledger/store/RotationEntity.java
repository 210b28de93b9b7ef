package dev.rotor.ledger.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** The projection of one rotation: indexed columns plus the whole record as JSON. */
@Entity
@Table(name = "rotations")
public class RotationEntity extends PanacheEntityBase {
  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "target_id", nullable = false)
  public String targetId;

  @Column(name = "status", nullable = false)
  public String status;

  @Column(name = "started_at", nullable = false)
  public Instant startedAt;

  @Column(name = "updated_at", nullable = false)
  public Instant updatedAt;

  @Column(name = "last_entry", nullable = false)
  public long lastEntry;

  /** The {@link dev.rotor.ledger.rotation.RotationRecord} as JSON. */
  @JdbcTypeCode(SqlTypes.JSON)
  @Column(name = "record", nullable = false)
  public String record;
}
