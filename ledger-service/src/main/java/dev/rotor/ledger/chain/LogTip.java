package dev.rotor.ledger.chain;

import dev.rotor.ledger.merkle.CompactRange;
import dev.rotor.ledger.merkle.TreeHashes;
import java.util.List;

/**
 * The end of the log an appender needs: its size, the last chain hash and the right edge of the
 * Merkle tree. Appending a leaf yields everything its entry stores. Not thread-safe: {@link
 * #copy()} before appending to a shared one.
 */
public final class LogTip {
  private final CompactRange range;
  private byte[] chainHash;

  private LogTip(CompactRange range, byte[] chainHash) {
    this.range = range;
    this.chainHash = chainHash;
  }

  /** The tip of the empty log. */
  public static LogTip empty() {
    return new LogTip(CompactRange.empty(), ChainHashes.genesis());
  }

  /**
   * The tip of a log of {@code size} entries.
   *
   * @param edgeHashes the hashes of {@code CompactRange.nodesFor(size)}
   * @param lastChainHash the chain hash of entry {@code size - 1}
   */
  public static LogTip of(long size, List<byte[]> edgeHashes, byte[] lastChainHash) {
    if (!TreeHashes.isHash(lastChainHash)) {
      throw new IllegalArgumentException("lastChainHash: must be 32 bytes");
    }
    return new LogTip(CompactRange.of(size, edgeHashes), lastChainHash.clone());
  }

  /** How many entries the log has. */
  public long size() {
    return range.size();
  }

  /** The Merkle tree head of the log. */
  public byte[] root() {
    return range.root();
  }

  /** The chain hash of the last entry (32 zero bytes for the empty log). */
  public byte[] chainHash() {
    return chainHash.clone();
  }

  /** Appends the entry whose leaf hash is {@code leafHash}. */
  public Appended append(byte[] leafHash) {
    long index = range.size();
    byte[] previous = chainHash;
    byte[] chain = ChainHashes.next(previous, leafHash);
    List<byte[]> completed = range.append(leafHash);
    byte[] subtrees = new byte[completed.size() * TreeHashes.SIZE];
    for (int i = 0; i < completed.size(); i++) {
      System.arraycopy(completed.get(i), 0, subtrees, i * TreeHashes.SIZE, TreeHashes.SIZE);
    }
    chainHash = chain;
    return new Appended(index, leafHash, previous, chain, subtrees);
  }

  /** An independent copy. */
  public LogTip copy() {
    return new LogTip(range.copy(), chainHash.clone());
  }

  /**
   * What one append produced: the hashes the entry stores.
   *
   * @param leafIndex the entry's position
   * @param leafHash {@code SHA-256(0x00 || canonical bytes)}
   * @param prevHash the chain hash of the entry before (zeros for the first)
   * @param chainHash {@code SHA-256(prevHash || leafHash)}
   * @param subtreeHashes the perfect subtrees the leaf completed, level 1 up, 32 bytes each
   */
  public record Appended(
      long leafIndex, byte[] leafHash, byte[] prevHash, byte[] chainHash, byte[] subtreeHashes) {}
}
