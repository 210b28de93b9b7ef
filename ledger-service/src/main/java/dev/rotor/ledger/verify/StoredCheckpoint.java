package dev.rotor.ledger.verify;

import java.time.Instant;

/**
 * A checkpoint as the store holds it. Only its signed note is trusted; the columns are compared
 * with it.
 */
public record StoredCheckpoint(
    long id, long treeSize, byte[] rootHash, Instant issuedAt, String signedNote) {}
