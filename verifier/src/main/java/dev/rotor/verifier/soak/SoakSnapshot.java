package dev.rotor.verifier.soak;

import dev.rotor.common.event.PodStatus;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.common.plan.Plan;
import dev.rotor.verifier.store.SoakKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A soak as one round of checks needs it, read in one transaction: the row, what the verifier knows
 * of the rotation, and when the cluster's rollouts started.
 *
 * @param expectedFingerprint the new key's fingerprint as the key-generator stated it; else the
 *     cluster-agent's claim
 * @param newKeyId the new key's id
 * @param previousKeyId the key that was primary before the rotation, if known
 * @param newKeyRequired whether the Secret must hold the new key: always for a stage; for a
 *     rollback only when the new key reached this cluster's Secret (a phase of the rotation
 *     completed there)
 * @param baselineEnd when the cluster's rotation began (its distribute rollout started)
 * @param secretChangedAt when the Secret changed for this soak's phase
 * @param trace the trace context the soak was started in, or null
 */
public record SoakSnapshot(
    long id,
    long version,
    String rotationId,
    String cluster,
    SoakKind kind,
    Plan plan,
    int stageIndex,
    Instant startedAt,
    Instant soakEndsAt,
    Duration interval,
    String claimedPrimaryKeyId,
    List<PodStatus> claimedPods,
    SoakProgress progress,
    String expectedFingerprint,
    String newKeyId,
    String previousKeyId,
    boolean newKeyRequired,
    Instant baselineEnd,
    Instant secretChangedAt,
    TraceContext.Stored trace) {}
