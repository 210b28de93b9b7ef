package dev.rotor.ledger.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * Arithmetic of the RFC 6962 tree shape: the split point of a range, and the perfect subtrees that
 * make up a range whose start is aligned (every range that RFC 9162's proof recursion visits is).
 */
public final class Subtrees {
  private Subtrees() {}

  /** The largest power of two strictly smaller than {@code n} (RFC 9162's {@code k}), n > 1. */
  public static long split(long n) {
    if (n < 2) {
      throw new IllegalArgumentException("n: must be at least 2");
    }
    return Long.highestOneBit(n - 1);
  }

  /**
   * The perfect subtrees that cover the leaves {@code [begin, end)}, left to right, largest first.
   * The range must be aligned: {@code begin} a multiple of the smallest power of two not below
   * {@code end - begin}, which holds for the whole tree and for every range RFC 9162's recursion
   * splits off.
   */
  public static List<Node> decompose(long begin, long end) {
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("range: [" + begin + ", " + end + ") is not a range");
    }
    long size = end - begin;
    if (size > 0) {
      long alignment = Long.highestOneBit(size) == size ? size : Long.highestOneBit(size) << 1;
      if (begin % alignment != 0) {
        throw new IllegalArgumentException(
            "range: [" + begin + ", " + end + ") does not start on a subtree boundary");
      }
    }
    List<Node> nodes = new ArrayList<>(Long.bitCount(size));
    long offset = begin;
    for (int level = 62; level >= 0; level--) {
      long width = 1L << level;
      if ((size & width) != 0) {
        nodes.add(new Node(level, offset >> level));
        offset += width;
      }
    }
    return nodes;
  }

  /**
   * The hash of a range from the hashes of its {@link #decompose} subtrees, left to right: the last
   * two are joined first, as RFC 6962's recursion does.
   */
  public static byte[] fold(List<byte[]> subtreeHashes) {
    if (subtreeHashes.isEmpty()) {
      return TreeHashes.emptyRoot();
    }
    byte[] hash = subtreeHashes.get(subtreeHashes.size() - 1);
    for (int i = subtreeHashes.size() - 2; i >= 0; i--) {
      hash = TreeHashes.node(subtreeHashes.get(i), hash);
    }
    return hash;
  }
}
