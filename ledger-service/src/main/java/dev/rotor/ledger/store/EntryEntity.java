package dev.rotor.ledger.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Immutable;

/**
 * One entry of the log: an event, the bytes that were hashed, and the hashes that tie it into the
 * chain and the Merkle tree. Rows are only ever inserted (the database refuses anything else).
 */
@Entity
@Immutable
@Table(name = "entries")
public class EntryEntity extends PanacheEntityBase {
  /** The position in the log, from 0: the leaf index of RFC 9162. */
  @Id
  @Column(name = "leaf_index")
  public long leafIndex;

  @Column(name = "event_id", nullable = false, updatable = false)
  public String eventId;

  /** The CloudEvents type, e.g. {@code dev.rotor.key.generated.v1}. */
  @Column(name = "event_type", nullable = false, updatable = false)
  public String eventType;

  @Column(name = "source", nullable = false, updatable = false)
  public String source;

  @Column(name = "subject", updatable = false)
  public String subject;

  @Column(name = "rotation_id", updatable = false)
  public String rotationId;

  @Column(name = "event_time", nullable = false, updatable = false)
  public Instant eventTime;

  /** RFC 8785 JSON of the event as a structured CloudEvent: exactly what the leaf hash covers. */
  @Column(name = "canonical", nullable = false, updatable = false)
  public byte[] canonical;

  @Column(name = "leaf_hash", nullable = false, updatable = false)
  public byte[] leafHash;

  @Column(name = "prev_hash", nullable = false, updatable = false)
  public byte[] prevHash;

  @Column(name = "chain_hash", nullable = false, updatable = false)
  public byte[] chainHash;

  /** The perfect subtrees this leaf completed, level 1 upwards, 32 bytes each. */
  @Column(name = "subtree_hashes", nullable = false, updatable = false)
  public byte[] subtreeHashes;

  @Column(name = "kafka_topic", updatable = false)
  public String kafkaTopic;

  @Column(name = "kafka_partition", updatable = false)
  public Integer kafkaPartition;

  @Column(name = "kafka_offset", updatable = false)
  public Long kafkaOffset;

  @Column(name = "ingested_at", nullable = false, updatable = false)
  public Instant ingestedAt;
}
