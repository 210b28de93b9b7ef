package dev.rotor.verifier.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/** What the verifier learned of a rotation from {@code rotor.keys} and {@code rotor.manifests}. */
@Entity
@Table(name = "rotation")
public class RotationRecord extends PanacheEntityBase {
  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "target_id")
  public String targetId;

  /** The plan as JSON, from the latest event that carried it. */
  public String plan;

  @Column(name = "requested_by")
  public String requestedBy;

  @Column(name = "key_id")
  public String keyId;

  public String fingerprint;

  @Column(name = "previous_key_id")
  public String previousKeyId;

  @Column(name = "previous_fingerprint")
  public String previousFingerprint;

  /** JSON array of names. */
  public String approvers = "[]";

  @Column(name = "merge_commit")
  public String mergeCommit;

  @Column(name = "rollback_commit")
  public String rollbackCommit;

  @Column(name = "rollback_cause")
  public String rollbackCause;

  /** JSON array of the clusters that must roll back; null until {@code manifest.rolled-back}. */
  @Column(name = "rollback_clusters")
  public String rollbackClusters;

  @Column(name = "rollback_event_id")
  public String rollbackEventId;

  /** {@code COMPLETED}, {@code ROLLED_BACK} or {@code FAILED} once the verifier ended it. */
  public String outcome;

  @Column(name = "created_at")
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;

  @Version public long version;

  /** The record of {@code rotationId}, created if absent (in the caller's transaction). */
  public static RotationRecord getOrCreate(String rotationId, String targetId, Instant now) {
    RotationRecord found = findById(rotationId);
    if (found != null) {
      return found;
    }
    RotationRecord created = new RotationRecord();
    created.rotationId = rotationId;
    created.targetId = targetId;
    created.createdAt = now;
    created.updatedAt = now;
    created.persist();
    return created;
  }
}
