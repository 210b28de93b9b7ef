package dev.rotor.ledger.merkle;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds tree heads and proofs from stored subtree hashes: each element of a proof is a range of
 * leaves ({@link ProofRanges}), each range a handful of perfect subtrees ({@link
 * Subtrees#decompose}), all fetched from the {@link NodeSource} in one call.
 */
public final class ProofBuilder {
  private final NodeSource source;

  public ProofBuilder(NodeSource source) {
    this.source = source;
  }

  /** {@code MTH(D[0:size])}: the root of the tree of the first {@code size} leaves. */
  public byte[] root(long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size: must not be negative");
    }
    if (size == 0) {
      return TreeHashes.emptyRoot();
    }
    return hashes(List.of(new Range(0, size))).get(0);
  }

  /** The inclusion proof of leaf {@code index} in the tree of {@code size} leaves. */
  public List<byte[]> inclusionProof(long index, long size) {
    return hashes(ProofRanges.inclusion(index, size));
  }

  /** The consistency proof from the tree of {@code first} leaves to that of {@code second}. */
  public List<byte[]> consistencyProof(long first, long second) {
    return hashes(ProofRanges.consistency(first, second));
  }

  private List<byte[]> hashes(List<Range> ranges) {
    Set<Node> needed = new LinkedHashSet<>();
    List<List<Node>> pieces = new ArrayList<>(ranges.size());
    for (Range range : ranges) {
      List<Node> nodes = Subtrees.decompose(range.begin(), range.end());
      pieces.add(nodes);
      needed.addAll(nodes);
    }
    Map<Node, byte[]> found = needed.isEmpty() ? Map.of() : source.hashes(needed);
    List<byte[]> result = new ArrayList<>(ranges.size());
    for (List<Node> nodes : pieces) {
      List<byte[]> subtreeHashes = new ArrayList<>(nodes.size());
      for (Node node : nodes) {
        byte[] hash = found.get(node);
        if (!TreeHashes.isHash(hash)) {
          throw new NodeSource.MissingNodeException(node);
        }
        subtreeHashes.add(hash);
      }
      result.add(Subtrees.fold(subtreeHashes));
    }
    return result;
  }
}
