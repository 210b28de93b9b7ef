package dev.rotor.ledger.chain;

import dev.rotor.ledger.merkle.TreeHashes;
import java.security.MessageDigest;

/**
 * The hash chain over the entries: entry {@code i}'s chain hash is {@code SHA-256(chain hash of
 * entry i-1 || leaf hash of entry i)}, and the entry before the first is 32 zero bytes. Each entry
 * stores the previous chain hash it was appended after, so a rewrite of one entry shows as a broken
 * link at the next, even when the rewriter recomputed the rewritten entry's own hashes.
 */
public final class ChainHashes {
  private static final byte[] GENESIS = new byte[TreeHashes.SIZE];

  private ChainHashes() {}

  /** The previous hash of entry 0: 32 zero bytes. */
  public static byte[] genesis() {
    return GENESIS.clone();
  }

  /** {@code SHA-256(previous || leafHash)}. */
  public static byte[] next(byte[] previous, byte[] leafHash) {
    if (!TreeHashes.isHash(previous) || !TreeHashes.isHash(leafHash)) {
      throw new IllegalArgumentException("hashes: must be 32 bytes each");
    }
    MessageDigest digest = TreeHashes.sha256();
    digest.update(previous);
    digest.update(leafHash);
    return digest.digest();
  }
}
