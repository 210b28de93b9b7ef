package dev.rotor.ledger.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Immutable;

/** A signed checkpoint the log issued. Only ever inserted. */
@Entity
@Immutable
@Table(name = "checkpoints")
public class CheckpointEntity extends PanacheEntityBase {
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "tree_size", nullable = false, updatable = false)
  public long treeSize;

  @Column(name = "root_hash", nullable = false, updatable = false)
  public byte[] rootHash;

  @Column(name = "issued_at", nullable = false, updatable = false)
  public Instant issuedAt;

  /** Why it was issued: {@code entries}, {@code interval} or {@code rotation-end}. */
  @Column(name = "reason", nullable = false, updatable = false)
  public String reason;

  @Column(name = "key_name", nullable = false, updatable = false)
  public String keyName;

  @Column(name = "key_id", nullable = false, updatable = false)
  public String keyId;

  /** The checkpoint as a C2SP signed note. */
  @Column(name = "signed_note", nullable = false, updatable = false)
  public String signedNote;

  /** The id of the {@code ledger.checkpoint} event that publishes it. */
  @Column(name = "event_id", nullable = false, updatable = false)
  public String eventId;
}
