package dev.rotor.ledger.rest;

import dev.rotor.ledger.store.CheckpointEntity;
import java.time.Instant;
import java.util.Base64;

/**
 * A signed checkpoint. The {@code signedNote} is what to keep and verify; the other fields repeat
 * it for convenience.
 *
 * @param treeSize the entries it covers
 * @param rootHash their RFC 6962 root (base64)
 * @param issuedAt when it was signed
 * @param reason why: {@code entries}, {@code interval} or {@code rotation-end}
 * @param keyName the signing key's name
 * @param keyId the signing key's id (8 hex digits)
 * @param signedNote the checkpoint in the C2SP signed-note format
 */
public record CheckpointView(
    long treeSize,
    String rootHash,
    Instant issuedAt,
    String reason,
    String keyName,
    String keyId,
    String signedNote) {

  static CheckpointView of(CheckpointEntity c) {
    return new CheckpointView(
        c.treeSize,
        Base64.getEncoder().encodeToString(c.rootHash),
        c.issuedAt,
        c.reason,
        c.keyName,
        c.keyId,
        c.signedNote);
  }
}
