package dev.rotor.manifest.rotation;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** One rotation as the manifest-service knows it. */
@Entity
@Table(name = "rotation")
public class RotationRecord extends PanacheEntityBase {
  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "target_id")
  public String targetId;

  @Enumerated(EnumType.STRING)
  public RotationStatus status;

  @Column(name = "key_event_id")
  public String keyEventId;

  /**
   * The key.generated data (JSON): the plan and the key sealed, never in plaintext. Once the
   * rotation ended {@code key-material.keep} ago, only the event's public fields, without the
   * sealed key ({@link KeyMaterialPurge}, {@link #keyMaterialPurgedAt}).
   */
  @Column(name = "key_event")
  public String keyEvent;

  @Column(name = "requested_by")
  public String requestedBy;

  @Column(name = "key_id")
  public String keyId;

  public String fingerprint;
  public String provider;

  @Column(name = "previous_key_id")
  public String previousKeyId;

  public String branch;

  @Column(name = "base_commit")
  public String baseCommit;

  @Column(name = "distribute_commit")
  public String distributeCommit;

  @Column(name = "promote_commit")
  public String promoteCommit;

  @Column(name = "change_request_repo")
  public String changeRequestRepo;

  @Column(name = "change_request_number")
  public Integer changeRequestNumber;

  @Column(name = "change_request_url")
  public String changeRequestUrl;

  @Column(name = "merged_commit")
  public String mergedCommit;

  @Column(name = "merged_distribute_commit")
  public String mergedDistributeCommit;

  @Column(name = "merged_promote_commit")
  public String mergedPromoteCommit;

  /** Who approved, one per line. */
  public String approvers;

  public boolean forced;

  @Column(name = "rollback_event_id")
  public String rollbackEventId;

  @Column(name = "rollback_commit")
  public String rollbackCommit;

  /** The clusters told to roll back, one per line. */
  @Column(name = "rollback_clusters")
  public String rollbackClusters;

  @Column(name = "failure_reason")
  public String failureReason;

  @Column(name = "failure_message")
  public String failureMessage;

  public int attempts;

  @Column(name = "next_attempt_at")
  public Instant nextAttemptAt;

  @Column(name = "last_error")
  public String lastError;

  @Column(name = "lease_owner")
  public String leaseOwner;

  @Column(name = "lease_until")
  public Instant leaseUntil;

  @Column(name = "input_version")
  public long inputVersion;

  @Column(name = "created_at")
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;

  @Column(name = "proposed_at")
  public Instant proposedAt;

  @Column(name = "merged_at")
  public Instant mergedAt;

  @Column(name = "ended_at")
  public Instant endedAt;

  /** The W3C trace context of the event that last woke it (null when tracing is off). */
  public String traceparent;

  public String tracestate;

  /** When {@link KeyMaterialPurge} dropped the sealed key from {@link #keyEvent}; null before. */
  @Column(name = "key_material_purged_at")
  public Instant keyMaterialPurgedAt;

  /**
   * When the verifier's {@code rotation.completed} for this rotation was recorded (the service's
   * clock); null while none was. The status stays {@link RotationStatus#MERGED}: a person may still
   * roll it back.
   */
  @Column(name = "completed_at")
  public Instant completedAt;

  /** The id of the {@code rotation.completed} recorded in {@link #completedAt}. */
  @Column(name = "completed_event_id")
  public String completedEventId;

  /**
   * The key.generated event this rotation started from, sealed key included: for the steps that
   * write or judge the new key (proposals, reviews, merges). A rollback needs none of it ({@link
   * #keyFacts}).
   *
   * @throws IllegalStateException when its sealed key was purged (it ended, or completed, {@code
   *     key-material.keep} ago): the message names the rotation and when, rather than a step going
   *     on without the key
   */
  public KeyGenerated keyGenerated() {
    if (keyMaterialPurgedAt != null) {
      throw new IllegalStateException(
          "rotation "
              + rotationId
              + " ("
              + status
              + (completedAt == null ? "" : ", completed at " + completedAt)
              + ") has no sealed key any more: it was purged at "
              + keyMaterialPurgedAt
              + " (key-material.keep); only its public fields are left");
    }
    return (KeyGenerated)
        EventCodec.decode(EventType.KEY_GENERATED, keyEvent.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * What key.generated said that is not key material (ids, plan, requester, key id, fingerprint,
   * time), whether or not the sealed key was purged: all a rollback or a failure needs.
   *
   * @throws IllegalStateException when {@code key_event} cannot be read
   */
  public KeyFacts keyFacts() {
    if (keyMaterialPurgedAt == null) {
      return KeyFacts.of(keyGenerated());
    }
    return KeyFacts.decode(rotationId, keyEvent);
  }

  /** The approvers recorded at the merge. */
  public List<String> approverList() {
    return approvers == null || approvers.isEmpty()
        ? List.of()
        : Arrays.asList(approvers.split("\n"));
  }
}
