package dev.rotor.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Appending to the right edge gives the same roots as the full recursion, reports exactly the
 * subtrees each append completes (what an entry stores), and can be rebuilt from stored subtrees.
 */
class CompactRangeTest {
  private static final int SIZE = 300;

  private final List<byte[]> leaves = new ArrayList<>();

  CompactRangeTest() {
    for (int i = 0; i < SIZE; i++) {
      leaves.add(TreeHashes.leaf(ByteBuffer.allocate(4).putInt(i).array()));
    }
  }

  @Test
  void appendingLeavesGivesTheRootOfTheRecursionAtEverySize() {
    ReferenceTree reference = new ReferenceTree(leaves);
    CompactRange range = CompactRange.empty();
    for (int i = 0; i < SIZE; i++) {
      range.append(leaves.get(i));
      assertThat(range.root()).as("root of %d", i + 1).isEqualTo(reference.mth(0, i + 1));
    }
  }

  @Test
  void eachAppendReturnsTheSubtreesTheNewLeafCompletesFromLevelOneUp() {
    ReferenceTree reference = new ReferenceTree(leaves);
    CompactRange range = CompactRange.empty();
    for (int i = 0; i < SIZE; i++) {
      List<byte[]> completed = range.append(leaves.get(i));
      assertThat(completed).hasSize(Long.numberOfTrailingZeros(i + 1L));
      for (int level = 1; level <= completed.size(); level++) {
        Node node = new Node(level, (i + 1L) / (1L << level) - 1);
        assertThat(node.lastLeaf()).isEqualTo(i);
        assertThat(completed.get(level - 1))
            .as("level %d completed by leaf %d", level, i)
            .isEqualTo(reference.hashes(List.of(node)).get(node));
      }
    }
  }

  @Test
  void aRangeRebuiltFromStoredSubtreesContinuesLikeTheOriginal() {
    ReferenceTree reference = new ReferenceTree(leaves);
    for (int size : new int[] {0, 1, 2, 3, 7, 8, 100, 255, 256}) {
      List<Node> nodes = CompactRange.nodesFor(size);
      Map<Node, byte[]> stored = reference.hashes(nodes);
      CompactRange rebuilt = CompactRange.of(size, nodes.stream().map(stored::get).toList());
      for (int i = size; i < SIZE; i++) {
        rebuilt.append(leaves.get(i));
      }
      assertThat(rebuilt.root()).isEqualTo(reference.mth(0, SIZE));
    }
  }

  @Test
  void aRangeWithTheWrongNumberOfHashesIsRefused() {
    assertThatThrownBy(() -> CompactRange.of(3, List.of(leaves.get(0))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CompactRange.of(1, List.of(new byte[31])))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unalignedRangesAreNotDecomposed() {
    assertThat(Subtrees.decompose(8, 13)).containsExactly(new Node(2, 2), new Node(0, 12));
    assertThatThrownBy(() -> Subtrees.decompose(3, 7)).isInstanceOf(IllegalArgumentException.class);
  }
}
