package dev.rotor.verifier.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An event the verifier processed; the event id is the idempotency key. */
@Entity
@Table(name = "processed_event")
public class ProcessedEvent extends PanacheEntityBase {
  @Id
  @Column(name = "event_id")
  public String eventId;

  public String type;

  @Column(name = "processed_at")
  public Instant processedAt;
}
