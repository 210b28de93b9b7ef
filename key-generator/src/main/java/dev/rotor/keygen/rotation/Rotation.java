package dev.rotor.keygen.rotation;

import dev.rotor.common.event.Reasons.Rejection;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/**
 * A rotation id the key-generator decided on (table {@code rotation}). The row of an admitted
 * rotation holds its target's in-flight guard while its status is {@link RotationStatus#IN_FLIGHT};
 * a partial unique index lets the database refuse a second one.
 */
@Entity
@Table(name = "rotation")
public class Rotation extends PanacheEntityBase {

  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "target_id", nullable = false)
  public String targetId;

  /** The id of the {@code rotation.requested} event that asked for it. */
  @Column(name = "request_event_id", nullable = false)
  public String requestEventId;

  /**
   * The CloudEvents source of that request (null for rows written before V5); with {@link
   * #requestDigest} it tells a redelivery of the request from another request reusing its id once
   * the outbox rows of its answer are purged.
   */
  @Column(name = "request_source")
  public String requestSource;

  /** {@code Outbox.digest} of that request (null as {@link #requestSource}). */
  @Column(name = "request_digest")
  public String requestDigest;

  @Enumerated(EnumType.STRING)
  @Column(name = "status", nullable = false)
  public RotationStatus status;

  /** Who asked; null when the request named nobody usable (then it was rejected). */
  @Column(name = "requested_by")
  public String requestedBy;

  /** Whether the plan covered every stage of the target (only then it resets the cadence). */
  @Column(name = "all_stages", nullable = false)
  public boolean allStages;

  @Column(name = "key_id")
  public String keyId;

  @Column(name = "fingerprint")
  public String fingerprint;

  @Enumerated(EnumType.STRING)
  @Column(name = "rejection_reason")
  public Rejection rejectionReason;

  @Column(name = "created_at", nullable = false)
  public Instant createdAt;

  @Column(name = "ended_at")
  public Instant endedAt;

  /** The id of the event that ended it. */
  @Column(name = "end_event_id")
  public String endEventId;

  /** The rotation recorded for the request with event id {@code requestEventId}, if one is. */
  public static Optional<Rotation> byRequestEvent(String requestEventId) {
    return find("requestEventId", requestEventId).firstResultOptional();
  }

  /** The rotation in flight for {@code targetId}, if one is. */
  public static Optional<Rotation> inFlight(String targetId) {
    return find("targetId = ?1 and status = ?2", targetId, RotationStatus.IN_FLIGHT)
        .firstResultOptional();
  }

  /** When the last rotation over all of the target's stages completed, if one has. */
  public static Optional<Instant> lastFullCompletion(String targetId) {
    Instant last =
        getEntityManager()
            .createQuery(
                "select max(r.endedAt) from Rotation r"
                    + " where r.targetId = :target and r.status = :status and r.allStages = true",
                Instant.class)
            .setParameter("target", targetId)
            .setParameter("status", RotationStatus.COMPLETED)
            .getSingleResult();
    return Optional.ofNullable(last);
  }
}
