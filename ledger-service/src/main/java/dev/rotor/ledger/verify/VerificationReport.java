package dev.rotor.ledger.verify;

import java.time.Instant;
import java.util.List;

/**
 * The result of re-verifying the whole log.
 *
 * @param ok whether nothing was found
 * @param summary one line a person reads first
 * @param firstBadEntry the lowest leaf index a finding implicates, or null
 * @param treeSize the entries verified
 * @param rootHash the Merkle root recomputed from the entries' bytes (base64), or null when entries
 *     are missing
 * @param latestCheckpoint the latest signed checkpoint and whether the entries still match it
 * @param checkpointsVerified signed checkpoints whose root the entries reproduce
 * @param checkpointsFailed signed checkpoints the entries no longer reproduce, or that are invalid
 * @param findings what differs, up to the configured maximum, in log order
 * @param findingsOmitted findings beyond that maximum
 * @param guardsDisabled refusing triggers found not ENABLE ALWAYS (not evidence of a change)
 * @param startedAt when the verification started
 * @param durationMillis how long it took
 */
public record VerificationReport(
    boolean ok,
    String summary,
    Long firstBadEntry,
    long treeSize,
    String rootHash,
    CheckpointStatus latestCheckpoint,
    int checkpointsVerified,
    int checkpointsFailed,
    List<Finding> findings,
    int findingsOmitted,
    List<String> guardsDisabled,
    Instant startedAt,
    long durationMillis) {

  /**
   * A signed checkpoint and what verification says of it.
   *
   * @param treeSize the entries it covers
   * @param rootHash the root it signed (base64)
   * @param issuedAt when it was signed
   * @param signatureValid whether a trusted key signed it
   * @param matches whether the entries' bytes reproduce its root
   */
  public record CheckpointStatus(
      long treeSize, String rootHash, Instant issuedAt, boolean signatureValid, boolean matches) {}
}
