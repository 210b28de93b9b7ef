package dev.rotor.ledger.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A checkpoint not yet acknowledged by Kafka on rotor.ledger. */
@Entity
@Table(name = "checkpoint_outbox")
public class OutboxEntity extends PanacheEntityBase {
  @Id
  @Column(name = "checkpoint_id")
  public long checkpointId;
}
