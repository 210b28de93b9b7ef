package dev.rotor.ledger.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * Which subtree hashes make up a proof, as RFC 9162 defines them: each element of a proof is {@code
 * MTH} of one range of leaves. Computing the hashes is left to {@link ProofBuilder}, so that a
 * store can fetch every node a proof needs at once.
 */
public final class ProofRanges {
  private ProofRanges() {}

  /**
   * The ranges of the inclusion proof of leaf {@code index} in the tree of {@code size} leaves (RFC
   * 9162 section 2.1.3.1, {@code PATH(m, D[n])}), from the leaf's sibling up to the root.
   */
  public static List<Range> inclusion(long index, long size) {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException(
          "index: leaf " + index + " is not in a tree of " + size + " leaves");
    }
    List<Range> ranges = new ArrayList<>();
    path(index, 0, size, ranges);
    return ranges;
  }

  private static void path(long m, long begin, long end, List<Range> out) {
    long n = end - begin;
    if (n == 1) {
      return;
    }
    long k = Subtrees.split(n);
    if (m - begin < k) {
      path(m, begin, begin + k, out);
      out.add(new Range(begin + k, end));
    } else {
      path(m, begin + k, end, out);
      out.add(new Range(begin, begin + k));
    }
  }

  /**
   * The ranges of the consistency proof between the trees of {@code first} and {@code second}
   * leaves (RFC 9162 section 2.1.4.1, {@code PROOF(m, D[n])}); empty when {@code first} is 0 or
   * equal to {@code second}.
   */
  public static List<Range> consistency(long first, long second) {
    if (first < 0 || second < first) {
      throw new IllegalArgumentException(
          "sizes: no consistency proof from " + first + " to " + second + " leaves");
    }
    List<Range> ranges = new ArrayList<>();
    if (first > 0 && first < second) {
      subproof(first, 0, second, true, ranges);
    }
    return ranges;
  }

  private static void subproof(long m, long begin, long end, boolean whole, List<Range> out) {
    long n = end - begin;
    if (m == n) {
      if (!whole) {
        out.add(new Range(begin, end));
      }
      return;
    }
    long k = Subtrees.split(n);
    if (m <= k) {
      subproof(m, begin, begin + k, whole, out);
      out.add(new Range(begin + k, end));
    } else {
      subproof(m - k, begin + k, end, false, out);
      out.add(new Range(begin, begin + k));
    }
  }
}
