package dev.rotor.ledger.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A checkpoint not yet acknowledged by Kafka on rotor.ledger. */
@Entity
@Table(name = "checkpoint_outbox")
public class OutboxEntity extends PanacheEntityBase {
  @Id
  @Column(name = "checkpoint_id")
  public long checkpointId;

  /** Failed publications in a row whose cause was not known to be transient. */
  public int attempts;

  /** When the first of those {@link #attempts} failed; null while there are none. */
  @Column(name = "first_failed_at")
  public Instant firstFailedAt;

  /** When it was set aside ({@code CheckpointPublisher}); null while it is published normally. */
  @Column(name = "quarantined_at")
  public Instant quarantinedAt;

  /** Why it was set aside: the failure. */
  @Column(name = "quarantine_reason")
  public String quarantineReason;
}
