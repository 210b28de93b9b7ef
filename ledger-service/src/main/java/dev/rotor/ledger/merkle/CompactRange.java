package dev.rotor.ledger.merkle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The right edge of the tree: the hashes of the perfect subtrees that make up the first {@code
 * size} leaves (one per set bit of {@code size}, largest first). Enough to append a leaf, to learn
 * which subtrees the append completes, and to compute the root, without reading the whole tree. Not
 * thread-safe; {@link #copy()} before changing a shared one.
 */
public final class CompactRange {
  private long size;
  private final List<byte[]> hashes;

  private CompactRange(long size, List<byte[]> hashes) {
    this.size = size;
    this.hashes = hashes;
  }

  /** The empty tree. */
  public static CompactRange empty() {
    return new CompactRange(0, new ArrayList<>());
  }

  /**
   * The range of a tree of {@code size} leaves from the hashes of {@link #nodesFor(long)}.
   *
   * @throws IllegalArgumentException when the hashes do not fit the size
   */
  public static CompactRange of(long size, List<byte[]> hashes) {
    if (size < 0 || hashes.size() != Long.bitCount(size)) {
      throw new IllegalArgumentException(
          "hashes: a tree of " + size + " leaves has " + Long.bitCount(size) + " edge subtrees");
    }
    for (byte[] hash : hashes) {
      if (!TreeHashes.isHash(hash)) {
        throw new IllegalArgumentException("hashes: every hash must be 32 bytes");
      }
    }
    return new CompactRange(size, new ArrayList<>(hashes));
  }

  /** The subtrees whose hashes make up the range of a tree of {@code size} leaves. */
  public static List<Node> nodesFor(long size) {
    return Subtrees.decompose(0, size);
  }

  /** The number of leaves. */
  public long size() {
    return size;
  }

  /**
   * Appends a leaf and returns the hashes of the subtrees the append completed, from level 1 up
   * (empty when the new leaf has no completed sibling). Leaf {@code i} completes {@code
   * numberOfTrailingZeros(i + 1)} subtrees.
   */
  public List<byte[]> append(byte[] leafHash) {
    if (!TreeHashes.isHash(leafHash)) {
      throw new IllegalArgumentException("leafHash: must be 32 bytes");
    }
    int completed = Long.numberOfTrailingZeros(size + 1);
    List<byte[]> created = completed == 0 ? List.of() : new ArrayList<>(completed);
    byte[] hash = leafHash;
    for (int level = 0; level < completed; level++) {
      byte[] left = hashes.remove(hashes.size() - 1);
      hash = TreeHashes.node(left, hash);
      created.add(hash);
    }
    hashes.add(hash);
    size++;
    return created;
  }

  /** {@code MTH} of the leaves so far. */
  public byte[] root() {
    return Subtrees.fold(hashes);
  }

  /** The hashes of {@link #nodesFor(long) nodesFor(size())}, largest subtree first. */
  public List<byte[]> hashes() {
    return Collections.unmodifiableList(hashes);
  }

  /** An independent copy. */
  public CompactRange copy() {
    return new CompactRange(size, new ArrayList<>(hashes));
  }
}
