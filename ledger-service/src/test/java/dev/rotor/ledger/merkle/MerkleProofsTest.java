package dev.rotor.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Proofs built from stored subtrees agree with RFC 9162's recursion for every leaf of every tree up
 * to {@value #MAX_SIZE} leaves, verify, and every corruption of them is rejected: a wrong index or
 * size, swapped, truncated or extended paths, a flipped bit, extra or missing bytes.
 */
class MerkleProofsTest {
  private static final int MAX_SIZE = 40;
  private static final byte[] SOME_HASH = TreeHashes.leaf("not in the tree".getBytes());

  private final ReferenceTree tree =
      ReferenceTree.ofLeafData(
          IntStream.range(0, MAX_SIZE)
              .mapToObj(i -> ("entry " + i).getBytes(StandardCharsets.UTF_8))
              .toList());
  private final ProofBuilder builder = new ProofBuilder(tree);

  @Test
  void everyInclusionProofMatchesTheRfcRecursionAndVerifies() {
    for (int size = 1; size <= MAX_SIZE; size++) {
      byte[] root = builder.root(size);
      assertThat(root).isEqualTo(tree.mth(0, size));
      for (int index = 0; index < size; index++) {
        List<byte[]> proof = builder.inclusionProof(index, size);
        assertThat(proof).containsExactlyElementsOf(tree.path(index, 0, size));
        assertThat(MerkleProofs.verifyInclusion(index, size, tree.leaf(index), proof, root))
            .as("leaf %d of %d", index, size)
            .isTrue();
      }
    }
  }

  @Test
  void everyCorruptedInclusionProofIsRejected() {
    for (int size = 1; size <= MAX_SIZE; size++) {
      byte[] root = builder.root(size);
      for (int index = 0; index < size; index++) {
        List<byte[]> proof = builder.inclusionProof(index, size);
        byte[] leaf = tree.leaf(index);
        for (Map.Entry<String, InclusionProbe> probe :
            inclusionCorruptions(index, size, leaf, proof, root).entrySet()) {
          InclusionProbe p = probe.getValue();
          assertThat(MerkleProofs.verifyInclusion(p.index, p.size, p.leaf, p.path, p.root))
              .as("leaf %d of %d, %s", index, size, probe.getKey())
              .isFalse();
        }
      }
    }
  }

  @Test
  void everyConsistencyProofMatchesTheRfcRecursionAndVerifies() {
    for (int second = 1; second <= MAX_SIZE; second++) {
      for (int first = 1; first <= second; first++) {
        List<byte[]> proof = builder.consistencyProof(first, second);
        assertThat(proof).containsExactlyElementsOf(tree.proof(first, second));
        assertThat(
                MerkleProofs.verifyConsistency(
                    first, second, builder.root(first), builder.root(second), proof))
            .as("from %d to %d", first, second)
            .isTrue();
      }
    }
  }

  @Test
  void everyCorruptedConsistencyProofIsRejected() {
    for (int second = 2; second <= MAX_SIZE; second++) {
      for (int first = 1; first < second; first++) {
        List<byte[]> proof = builder.consistencyProof(first, second);
        byte[] firstRoot = builder.root(first);
        byte[] secondRoot = builder.root(second);
        for (Map.Entry<String, ConsistencyProbe> probe :
            consistencyCorruptions(first, second, firstRoot, secondRoot, proof).entrySet()) {
          ConsistencyProbe p = probe.getValue();
          assertThat(
                  MerkleProofs.verifyConsistency(
                      p.first, p.second, p.firstRoot, p.secondRoot, p.path))
              .as("from %d to %d, %s", first, second, probe.getKey())
              .isFalse();
        }
      }
    }
  }

  @Test
  void theEmptyTreeIsConsistentWithEveryTreeAndEqualSizesNeedEqualRootsAndNoProof() {
    byte[] root = builder.root(5);
    assertThat(MerkleProofs.verifyConsistency(0, 5, TreeHashes.emptyRoot(), root, List.of()))
        .isTrue();
    assertThat(MerkleProofs.verifyConsistency(0, 5, TreeHashes.emptyRoot(), root, List.of(root)))
        .isFalse();
    assertThat(MerkleProofs.verifyConsistency(5, 5, root, root, List.of())).isTrue();
    assertThat(MerkleProofs.verifyConsistency(5, 5, root, SOME_HASH, List.of())).isFalse();
    assertThat(MerkleProofs.verifyConsistency(5, 5, root, root, List.of(root))).isFalse();
    assertThat(MerkleProofs.verifyConsistency(5, 4, root, root, List.of())).isFalse();
  }

  @Test
  void inclusionInAnEmptyOrTooSmallTreeIsRejected() {
    byte[] leaf = tree.leaf(0);
    assertThat(MerkleProofs.verifyInclusion(0, 0, leaf, List.of(), TreeHashes.emptyRoot()))
        .isFalse();
    assertThat(MerkleProofs.verifyInclusion(1, 1, leaf, List.of(), leaf)).isFalse();
    assertThat(MerkleProofs.verifyInclusion(-1, 1, leaf, List.of(), leaf)).isFalse();
    assertThat(MerkleProofs.verifyInclusion(0, 1, leaf, List.of(), leaf)).isTrue();
    assertThat(MerkleProofs.verifyInclusion(0, 1, leaf, null, leaf)).isFalse();
  }

  record InclusionProbe(long index, long size, byte[] leaf, List<byte[]> path, byte[] root) {}

  record ConsistencyProbe(
      long first, long second, byte[] firstRoot, byte[] secondRoot, List<byte[]> path) {}

  private static Map<String, InclusionProbe> inclusionCorruptions(
      long index, long size, byte[] leaf, List<byte[]> path, byte[] root) {
    Map<String, InclusionProbe> probes = new LinkedHashMap<>();
    probes.put("index - 1", new InclusionProbe(index - 1, size, leaf, path, root));
    probes.put("index + 1", new InclusionProbe(index + 1, size, leaf, path, root));
    probes.put("index ^ 2", new InclusionProbe(index ^ 2, size, leaf, path, root));
    probes.put("size * 2", new InclusionProbe(index, size * 2, leaf, path, root));
    probes.put("size / 2", new InclusionProbe(index, size / 2, leaf, path, root));
    probes.put("wrong leaf", new InclusionProbe(index, size, SOME_HASH, path, root));
    if (size > 1) {
      probes.put("leaf and root swapped", new InclusionProbe(index, size, root, path, leaf));
    }
    probes.put("empty root", new InclusionProbe(index, size, leaf, path, TreeHashes.emptyRoot()));
    probes.put("other root", new InclusionProbe(index, size, leaf, path, SOME_HASH));
    probes.put(
        "leaf with an extra byte", new InclusionProbe(index, size, longer(leaf), path, root));
    probes.put(
        "root with an extra byte", new InclusionProbe(index, size, leaf, path, longer(root)));
    probes.put("trailing root", new InclusionProbe(index, size, leaf, append(path, root), root));
    probes.put(
        "trailing hash", new InclusionProbe(index, size, leaf, append(path, SOME_HASH), root));
    probes.put(
        "trailing empty", new InclusionProbe(index, size, leaf, append(path, new byte[0]), root));
    probes.put("preceding root", new InclusionProbe(index, size, leaf, prepend(path, root), root));
    probes.put(
        "preceding hash", new InclusionProbe(index, size, leaf, prepend(path, SOME_HASH), root));
    for (int i = 0; i < path.size(); i++) {
      probes.put(
          "bit flipped in path[" + i + "]",
          new InclusionProbe(index, size, leaf, flip(path, i), root));
      probes.put(
          "extra byte in path[" + i + "]",
          new InclusionProbe(index, size, leaf, grow(path, i), root));
      probes.put(
          "path[" + i + "] one byte short",
          new InclusionProbe(index, size, leaf, shrink(path, i), root));
    }
    if (!path.isEmpty()) {
      probes.put(
          "last element removed",
          new InclusionProbe(index, size, leaf, path.subList(0, path.size() - 1), root));
      probes.put(
          "first element removed",
          new InclusionProbe(index, size, leaf, path.subList(1, path.size()), root));
    }
    for (int i = 0; i + 1 < path.size(); i++) {
      probes.put(
          "path[" + i + "] and path[" + (i + 1) + "] swapped",
          new InclusionProbe(index, size, leaf, swap(path, i), root));
    }
    if (path.size() > 1) {
      probes.put("path reversed", new InclusionProbe(index, size, leaf, reversed(path), root));
    }
    return probes;
  }

  private static Map<String, ConsistencyProbe> consistencyCorruptions(
      long first, long second, byte[] firstRoot, byte[] secondRoot, List<byte[]> path) {
    Map<String, ConsistencyProbe> probes = new LinkedHashMap<>();
    probes.put("first - 1", new ConsistencyProbe(first - 1, second, firstRoot, secondRoot, path));
    probes.put("first + 1", new ConsistencyProbe(first + 1, second, firstRoot, secondRoot, path));
    probes.put("first ^ 2", new ConsistencyProbe(first ^ 2, second, firstRoot, secondRoot, path));
    probes.put("second * 2", new ConsistencyProbe(first, second * 2, firstRoot, secondRoot, path));
    probes.put("second / 2", new ConsistencyProbe(first, second / 2, firstRoot, secondRoot, path));
    probes.put(
        "wrong first root", new ConsistencyProbe(first, second, SOME_HASH, secondRoot, path));
    probes.put(
        "wrong second root", new ConsistencyProbe(first, second, firstRoot, SOME_HASH, path));
    probes.put("roots swapped", new ConsistencyProbe(first, second, secondRoot, firstRoot, path));
    probes.put(
        "first root with an extra byte",
        new ConsistencyProbe(first, second, longer(firstRoot), secondRoot, path));
    probes.put(
        "empty proof", new ConsistencyProbe(first, second, firstRoot, secondRoot, List.of()));
    probes.put(
        "trailing first root",
        new ConsistencyProbe(first, second, firstRoot, secondRoot, append(path, firstRoot)));
    probes.put(
        "trailing second root",
        new ConsistencyProbe(first, second, firstRoot, secondRoot, append(path, secondRoot)));
    probes.put(
        "trailing empty",
        new ConsistencyProbe(first, second, firstRoot, secondRoot, append(path, new byte[0])));
    probes.put(
        "preceding first root",
        new ConsistencyProbe(first, second, firstRoot, secondRoot, prepend(path, firstRoot)));
    probes.put(
        "preceding second root",
        new ConsistencyProbe(first, second, firstRoot, secondRoot, prepend(path, secondRoot)));
    probes.put(
        "preceding path[0]",
        new ConsistencyProbe(first, second, firstRoot, secondRoot, prepend(path, path.get(0))));
    probes.put(
        "last element removed",
        new ConsistencyProbe(
            first, second, firstRoot, secondRoot, path.subList(0, path.size() - 1)));
    probes.put(
        "first element removed",
        new ConsistencyProbe(first, second, firstRoot, secondRoot, path.subList(1, path.size())));
    for (int i = 0; i < path.size(); i++) {
      probes.put(
          "bit flipped in path[" + i + "]",
          new ConsistencyProbe(first, second, firstRoot, secondRoot, flip(path, i)));
      probes.put(
          "extra byte in path[" + i + "]",
          new ConsistencyProbe(first, second, firstRoot, secondRoot, grow(path, i)));
      probes.put(
          "path[" + i + "] one byte short",
          new ConsistencyProbe(first, second, firstRoot, secondRoot, shrink(path, i)));
    }
    for (int i = 0; i + 1 < path.size(); i++) {
      probes.put(
          "path[" + i + "] and path[" + (i + 1) + "] swapped",
          new ConsistencyProbe(first, second, firstRoot, secondRoot, swap(path, i)));
    }
    return probes;
  }

  private static byte[] longer(byte[] hash) {
    return Arrays.copyOf(hash, hash.length + 1);
  }

  private static List<byte[]> append(List<byte[]> path, byte[] extra) {
    List<byte[]> out = new ArrayList<>(path);
    out.add(extra);
    return out;
  }

  private static List<byte[]> prepend(List<byte[]> path, byte[] extra) {
    List<byte[]> out = new ArrayList<>();
    out.add(extra);
    out.addAll(path);
    return out;
  }

  private static List<byte[]> flip(List<byte[]> path, int i) {
    List<byte[]> out = new ArrayList<>(path);
    byte[] changed = path.get(i).clone();
    changed[0] ^= 0x08;
    out.set(i, changed);
    return out;
  }

  private static List<byte[]> grow(List<byte[]> path, int i) {
    List<byte[]> out = new ArrayList<>(path);
    out.set(i, longer(path.get(i)));
    return out;
  }

  private static List<byte[]> shrink(List<byte[]> path, int i) {
    List<byte[]> out = new ArrayList<>(path);
    out.set(i, Arrays.copyOf(path.get(i), path.get(i).length - 1));
    return out;
  }

  private static List<byte[]> swap(List<byte[]> path, int i) {
    List<byte[]> out = new ArrayList<>(path);
    out.set(i, path.get(i + 1));
    out.set(i + 1, path.get(i));
    return out;
  }

  private static List<byte[]> reversed(List<byte[]> path) {
    List<byte[]> out = new ArrayList<>(path);
    java.util.Collections.reverse(out);
    return out;
  }
}
