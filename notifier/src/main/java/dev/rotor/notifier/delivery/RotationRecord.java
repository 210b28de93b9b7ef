package dev.rotor.notifier.delivery;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * What the notifier remembers of a rotation for later messages: the new key's fingerprint (never
 * the key) and the change request.
 */
@Entity
@Table(name = "notifier_rotation")
public class RotationRecord extends PanacheEntityBase {

  @Id
  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "target_id", nullable = false)
  public String targetId;

  @Column(name = "fingerprint")
  public String fingerprint;

  @Column(name = "change_request_url")
  public String changeRequestUrl;

  @Column(name = "updated_at", nullable = false)
  public Instant updatedAt;
}
