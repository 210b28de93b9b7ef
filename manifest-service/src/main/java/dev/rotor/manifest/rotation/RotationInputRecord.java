package dev.rotor.manifest.rotation;

import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Set;

/** An approval, a review rejection or a rollback trigger, kept by event id. */
@Entity
@Table(name = "rotation_input")
public class RotationInputRecord extends PanacheEntityBase {
  @Id
  @Column(name = "event_id")
  public String eventId;

  @Column(name = "seq", insertable = false, updatable = false)
  public Long seq;

  @Column(name = "rotation_id")
  public String rotationId;

  @Column(name = "target_id")
  public String targetId;

  @Enumerated(EnumType.STRING)
  public InputKind kind;

  public String actor;
  public boolean force;
  public String cluster;
  public String detail;

  /** For a {@code rollout.failed}: the phase that failed ({@code Phase} name); else null. */
  public String phase;

  /** For a {@code rollout.failed}: its reason ({@code Reasons.Rollout} name); else null. */
  public String reason;

  @Column(name = "received_at")
  public Instant receivedAt;

  /**
   * The reasons a cluster-agent refuses a stage with as it takes it in, before it starts anything
   * there (its policy does not allow the plan, or its state has no room): a {@code rollout.failed}
   * of a distribute with one of them, from a cluster that sent no {@code rollout.started}, applied
   * nothing on that cluster.
   */
  private static final Set<String> REFUSED_AT_INTAKE =
      Set.of(Reasons.Rollout.NOT_PERMITTED.name(), Reasons.Rollout.AGENT_STATE_FULL.name());

  /** Whether a {@code rollout.failed} of {@code phase} with {@code reason} may be a refusal. */
  public static boolean refusedAtIntake(Phase phase, Reasons.Rollout reason) {
    return phase == Phase.DISTRIBUTE && reason != null && REFUSED_AT_INTAKE.contains(reason.name());
  }

  /** Whether this input is a {@code rollout.failed} that may be a refusal at intake. */
  public boolean refusedAtIntake() {
    return kind == InputKind.ROLLBACK
        && Phase.DISTRIBUTE.name().equals(phase)
        && REFUSED_AT_INTAKE.contains(reason);
  }
}
