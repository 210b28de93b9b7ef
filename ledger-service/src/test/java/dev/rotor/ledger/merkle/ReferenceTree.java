package dev.rotor.ledger.merkle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RFC 9162 sections 2.1.1, 2.1.3.1 and 2.1.4.1 transcribed literally over a list of leaf hashes:
 * slow and obviously right, the yardstick for the store-backed {@link ProofBuilder}.
 */
final class ReferenceTree implements NodeSource {
  private final List<byte[]> leaves;

  ReferenceTree(List<byte[]> leafHashes) {
    this.leaves = List.copyOf(leafHashes);
  }

  static ReferenceTree ofLeafData(List<byte[]> data) {
    return new ReferenceTree(data.stream().map(TreeHashes::leaf).toList());
  }

  byte[] mth(int begin, int end) {
    int n = end - begin;
    if (n == 0) {
      return TreeHashes.emptyRoot();
    }
    if (n == 1) {
      return leaves.get(begin);
    }
    int k = Integer.highestOneBit(n - 1);
    return TreeHashes.node(mth(begin, begin + k), mth(begin + k, end));
  }

  List<byte[]> path(int m, int begin, int end) {
    int n = end - begin;
    List<byte[]> out = new ArrayList<>();
    if (n == 1) {
      return out;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m - begin < k) {
      out.addAll(path(m, begin, begin + k));
      out.add(mth(begin + k, end));
    } else {
      out.addAll(path(m, begin + k, end));
      out.add(mth(begin, begin + k));
    }
    return out;
  }

  List<byte[]> proof(int m, int n) {
    return subproof(m, 0, n, true);
  }

  private List<byte[]> subproof(int m, int begin, int end, boolean whole) {
    int n = end - begin;
    List<byte[]> out = new ArrayList<>();
    if (m == n) {
      if (!whole) {
        out.add(mth(begin, end));
      }
      return out;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m <= k) {
      out.addAll(subproof(m, begin, begin + k, whole));
      out.add(mth(begin + k, end));
    } else {
      out.addAll(subproof(m - k, begin + k, end, false));
      out.add(mth(begin, begin + k));
    }
    return out;
  }

  byte[] leaf(int index) {
    return leaves.get(index);
  }

  @Override
  public Map<Node, byte[]> hashes(java.util.Collection<Node> nodes) {
    Map<Node, byte[]> out = new java.util.HashMap<>();
    for (Node node : nodes) {
      long first = node.firstLeaf();
      long last = node.lastLeaf();
      if (last >= leaves.size()) {
        throw new MissingNodeException(node);
      }
      out.put(node, mth((int) first, (int) last + 1));
    }
    return out;
  }
}
