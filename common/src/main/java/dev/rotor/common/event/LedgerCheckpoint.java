package dev.rotor.common.event;

import dev.rotor.common.Checks;
import java.time.Instant;

/**
 * {@code ledger.checkpoint}: The ledger signed its state: a copy kept elsewhere detects any rewrite
 * of history.
 *
 * @param origin the log's origin line (its name)
 * @param treeSize the number of entries covered
 * @param rootHash the Merkle tree head, base64
 * @param signedNote the checkpoint in the C2SP signed-note format
 * @param issuedAt when
 */
public record LedgerCheckpoint(
    String origin, long treeSize, String rootHash, String signedNote, Instant issuedAt)
    implements RotorEvent {

  public LedgerCheckpoint {
    Checks.nonEmpty(origin, "origin");
    Checks.nonEmpty(rootHash, "rootHash");
    Checks.nonEmpty(signedNote, "signedNote");
    Checks.present(issuedAt, "issuedAt");
  }

  /** Not part of a rotation. */
  @Override
  public String rotationId() {
    return null;
  }

  /** Not about a target. */
  @Override
  public String targetId() {
    return null;
  }

  /** The ledger's origin: checkpoints are keyed by it. */
  @Override
  public String subject() {
    return origin;
  }
}
