package dev.rotor.ledger.rotation;

import java.time.Instant;
import java.util.List;

/**
 * The record of one rotation, folded from its entries by {@link RotationProjection}: the runbook's
 * "timestamp, operator and fingerprint" and everything an auditor asks next. Derived data: the
 * entries are the truth, and the entry numbers say where each fact comes from.
 *
 * @param rotationId the rotation
 * @param targetId the target, {@code <namespace>/<secret name>}
 * @param status where it stands; {@link RotationStatus#UNREQUESTED} while no {@code
 *     rotation.requested} is recorded, whatever its other events say
 * @param progress for an {@link RotationStatus#UNREQUESTED} rotation only (null otherwise): the
 *     status its events would give it had it been requested, which it takes when the request
 *     arrives
 * @param startedAt the time of its earliest event
 * @param updatedAt the time of its latest event
 * @param endedAt the time of the event that ended it, if it ended (for a rotation rolled back or
 *     failed after it completed: that event's time)
 * @param completedAt the time of its {@code rotation.completed}, kept when a rollback follows
 * @param requestedBy who asked (the operator)
 * @param requestedAt when it was asked
 * @param reason why it was asked, in words
 * @param approvers who approved, in the order they are first recorded
 * @param previousKeyId the key id that was primary before, when known
 * @param previousFingerprint the fingerprint of the key that was primary before, when known
 * @param keyId the new key's id
 * @param fingerprint the new key's fingerprint (SHA-256 of its base64 text)
 * @param branch the Git branch of the change
 * @param changeRequestUrl the pull request, if any
 * @param commit the merged Git commit that was applied
 * @param rollbackCommit the Git commit that rolled it back, if any
 * @param clusters the plan's clusters, in stage order
 * @param verdicts the verifier's verdict per cluster
 * @param escrow the escrow copy of the key (age-sealed to the security team), if generated
 * @param outcome the reason code of a rejection or failure, {@code ROLLED_BACK} for a rollback
 * @param outcomeMessage what happened, in words
 * @param firstEntry the leaf index of its first entry
 * @param lastEntry the leaf index of its latest entry
 * @param entries how many entries it has
 */
public record RotationRecord(
    String rotationId,
    String targetId,
    RotationStatus status,
    RotationStatus progress,
    Instant startedAt,
    Instant updatedAt,
    Instant endedAt,
    Instant completedAt,
    String requestedBy,
    Instant requestedAt,
    String reason,
    List<String> approvers,
    String previousKeyId,
    String previousFingerprint,
    String keyId,
    String fingerprint,
    String branch,
    String changeRequestUrl,
    String commit,
    String rollbackCommit,
    List<String> clusters,
    List<Verdict> verdicts,
    EscrowCopy escrow,
    String outcome,
    String outcomeMessage,
    long firstEntry,
    long lastEntry,
    int entries) {

  public RotationRecord {
    approvers = approvers == null ? List.of() : List.copyOf(approvers);
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    verdicts = verdicts == null ? List.of() : List.copyOf(verdicts);
  }

  /**
   * A stage's verdict.
   *
   * @param cluster the stage's cluster
   * @param verdict {@code PASSED}, {@code FAILED}, {@code INCONCLUSIVE} or {@code FORCED}
   * @param decidedAt when
   */
  public record Verdict(String cluster, String verdict, Instant decidedAt) {}

  /**
   * The escrow copy of the new key: an age file sealed to the security team, which opens it with
   * {@code age -d -i <identity>}. Never the key itself.
   *
   * @param recipients the age recipients it is sealed to
   * @param armored the ASCII-armored age file
   * @param entry the leaf index of the {@code key.generated} entry that carries it
   */
  public record EscrowCopy(List<String> recipients, String armored, long entry) {
    public EscrowCopy {
      recipients = List.copyOf(recipients);
    }
  }
}
