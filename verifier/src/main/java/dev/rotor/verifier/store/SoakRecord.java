package dev.rotor.verifier.store;

import dev.rotor.common.messaging.TraceContext;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.PrePersist;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/**
 * One soak: a stage watched after its promote rollout, or a cluster watched after its rollback. The
 * row is the soak's whole state, so a restarted verifier resumes it where it stood: same end, same
 * progress.
 */
@Entity
@Table(name = "soak")
public class SoakRecord extends PanacheEntityBase {
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "rotation_id")
  public String rotationId;

  public String cluster;

  @Enumerated(EnumType.STRING)
  public SoakKind kind;

  @Column(name = "target_id")
  public String targetId;

  /** The plan as JSON, from the event that started the soak. */
  public String plan;

  @Column(name = "stage_index")
  public int stageIndex;

  /** The {@code rollout.completed} or {@code rollback.completed} that started it. */
  @Column(name = "cause_event_id")
  public String causeEventId;

  @Column(name = "applied_commit")
  public String appliedCommit;

  /** The new key's fingerprint as the cluster-agent read it back (a claim to check). */
  @Column(name = "claimed_fingerprint")
  public String claimedFingerprint;

  /** The primary key id as the cluster-agent read it back (a claim to check). */
  @Column(name = "claimed_primary_key_id")
  public String claimedPrimaryKeyId;

  /** JSON array of the pods the cluster-agent reported. */
  @Column(name = "claimed_pods")
  public String claimedPods;

  @Column(name = "rollout_completed_at")
  public Instant rolloutCompletedAt;

  @Column(name = "started_at")
  public Instant startedAt;

  @Column(name = "soak_ends_at")
  public Instant soakEndsAt;

  @Column(name = "interval_millis")
  public long intervalMillis;

  @Column(name = "next_check_at")
  public Instant nextCheckAt;

  /** JSON of {@code SoakProgress}. */
  public String progress;

  @Enumerated(EnumType.STRING)
  public SoakStatus status;

  public String reason;

  public String message;

  /** JSON array of the verdict's evidence. */
  public String evidence;

  @Column(name = "decided_at")
  public Instant decidedAt;

  @Version public long version;

  /**
   * The W3C trace context of the event that started it (null when tracing is off): its rounds, and
   * the verdict they bring after the soak, continue that trace, also after a restart.
   */
  public String traceparent;

  public String tracestate;

  @PrePersist
  void keepTraceContext() {
    TraceContext.Stored trace = TraceContext.current();
    if (traceparent == null && trace != null) {
      traceparent = trace.traceparent();
      tracestate = trace.tracestate();
    }
  }

  /** The trace context it was started in, or null. */
  public TraceContext.Stored traceContext() {
    return TraceContext.of(traceparent, tracestate);
  }
}
