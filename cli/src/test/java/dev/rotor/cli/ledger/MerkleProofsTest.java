package dev.rotor.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client-side proof checks against proofs built with RFC 6962's own recursive definitions
 * (section 2.1.1 PATH and 2.1.2 SUBPROOF), for every leaf and size up to 33.
 */
class MerkleProofsTest {

  @Test
  void theRootOfTheRfcTestVectorsIsTheKnownOne() {
    // The empty tree's root: SHA-256 of nothing (RFC 6962 section 2.1).
    assertThat(HexFormat.of().formatHex(MerkleProofs.root(List.of())))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // A one-leaf tree: the leaf hash of the empty string.
    assertThat(HexFormat.of().formatHex(MerkleProofs.root(List.of(MerkleProofs.leaf(new byte[0])))))
        .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  }

  @Test
  void everyInclusionProofOfEveryTreeUpTo33LeavesVerifies() {
    for (int size = 1; size <= 33; size++) {
      List<byte[]> leaves = leaves(size);
      byte[] root = MerkleProofs.root(leaves);
      for (int index = 0; index < size; index++) {
        List<byte[]> path = path(index, leaves);
        assertThat(MerkleProofs.verifyInclusion(index, size, leaves.get(index), path, root))
            .as("leaf %d of %d", index, size)
            .isTrue();
      }
    }
  }

  @Test
  void anInclusionProofWithAnythingChangedIsRejected() {
    List<byte[]> leaves = leaves(13);
    byte[] root = MerkleProofs.root(leaves);
    List<byte[]> path = path(5, leaves);

    assertThat(MerkleProofs.verifyInclusion(6, 13, leaves.get(5), path, root)).isFalse();
    assertThat(MerkleProofs.verifyInclusion(5, 6, leaves.get(5), path, root)).isFalse();
    assertThat(MerkleProofs.verifyInclusion(5, 13, leaves.get(6), path, root)).isFalse();
    assertThat(MerkleProofs.verifyInclusion(5, 13, leaves.get(5), path.subList(0, 3), root))
        .isFalse();
    List<byte[]> longer = new ArrayList<>(path);
    longer.add(leaves.get(0));
    assertThat(MerkleProofs.verifyInclusion(5, 13, leaves.get(5), longer, root)).isFalse();
    List<byte[]> flipped = new ArrayList<>(path);
    byte[] bad = flipped.get(1).clone();
    bad[7] ^= 1;
    flipped.set(1, bad);
    assertThat(MerkleProofs.verifyInclusion(5, 13, leaves.get(5), flipped, root)).isFalse();
    List<byte[]> swapped = new ArrayList<>(path);
    swapped.set(0, path.get(1));
    swapped.set(1, path.get(0));
    assertThat(MerkleProofs.verifyInclusion(5, 13, leaves.get(5), swapped, root)).isFalse();
  }

  @Test
  void everyConsistencyProofBetweenTwoSizesUpTo33Verifies() {
    List<byte[]> all = leaves(33);
    for (int second = 1; second <= 33; second++) {
      for (int first = 1; first <= second; first++) {
        List<byte[]> proof = subproof(first, all.subList(0, second), true);
        assertThat(
                MerkleProofs.verifyConsistency(
                    first,
                    second,
                    MerkleProofs.root(all.subList(0, first)),
                    MerkleProofs.root(all.subList(0, second)),
                    proof))
            .as("%d -> %d", first, second)
            .isTrue();
      }
    }
  }

  @Test
  void aRewrittenHistoryFailsTheConsistencyProof() {
    List<byte[]> original = leaves(20);
    List<byte[]> rewritten = new ArrayList<>(original);
    rewritten.set(3, MerkleProofs.leaf("forged".getBytes(StandardCharsets.UTF_8)));
    byte[] keptRoot = MerkleProofs.root(original.subList(0, 7));

    List<byte[]> proof = subproof(7, rewritten, true);

    assertThat(MerkleProofs.verifyConsistency(7, 20, keptRoot, MerkleProofs.root(rewritten), proof))
        .isFalse();
    assertThat(
            MerkleProofs.verifyConsistency(
                7, 20, keptRoot, MerkleProofs.root(original), proof.subList(1, proof.size())))
        .isFalse();
  }

  private static List<byte[]> leaves(int n) {
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      leaves.add(MerkleProofs.leaf(("entry " + i).getBytes(StandardCharsets.UTF_8)));
    }
    return leaves;
  }

  /** RFC 6962 2.1.1: PATH(m, D[n]). */
  private static List<byte[]> path(int m, List<byte[]> d) {
    int n = d.size();
    List<byte[]> result = new ArrayList<>();
    if (n <= 1) {
      return result;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m < k) {
      result.addAll(path(m, d.subList(0, k)));
      result.add(MerkleProofs.root(d.subList(k, n)));
    } else {
      result.addAll(path(m - k, d.subList(k, n)));
      result.add(MerkleProofs.root(d.subList(0, k)));
    }
    return result;
  }

  /** RFC 6962 2.1.2: SUBPROOF(m, D[n], b). */
  private static List<byte[]> subproof(int m, List<byte[]> d, boolean b) {
    int n = d.size();
    List<byte[]> result = new ArrayList<>();
    if (m == n) {
      if (!b) {
        result.add(MerkleProofs.root(d));
      }
      return result;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m <= k) {
      result.addAll(subproof(m, d.subList(0, k), b));
      result.add(MerkleProofs.root(d.subList(k, n)));
    } else {
      result.addAll(subproof(m - k, d.subList(k, n), false));
      result.add(MerkleProofs.root(d.subList(0, k)));
    }
    return result;
  }
}
