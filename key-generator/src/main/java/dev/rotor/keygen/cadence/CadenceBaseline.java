package dev.rotor.keygen.cadence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * When a target with a cadence was first seen (table {@code cadence_baseline}): a target never
 * rotated falls due one cadence after it.
 */
@Entity
@Table(name = "cadence_baseline")
public class CadenceBaseline extends PanacheEntityBase {

  @Id
  @Column(name = "target_id")
  public String targetId;

  @Column(name = "first_seen_at", nullable = false)
  public Instant firstSeenAt;
}
