package dev.rotor.ledger.merkle;

/**
 * A perfect subtree of the log's Merkle tree: the {@code 2^level} leaves from {@code index <<
 * level} on. Level 0 is a single leaf.
 *
 * @param level the height of the subtree (0 for a leaf)
 * @param index its position among the subtrees of that level
 */
public record Node(int level, long index) {

  public Node {
    if (level < 0 || level > 62) {
      throw new IllegalArgumentException("level: must be between 0 and 62");
    }
    if (index < 0 || (index << level) >>> level != index) {
      throw new IllegalArgumentException("index: out of range for level " + level);
    }
  }

  /** The first leaf the subtree covers. */
  public long firstLeaf() {
    return index << level;
  }

  /**
   * The last leaf the subtree covers: the leaf whose append completed it, and so the entry that
   * stores its hash.
   */
  public long lastLeaf() {
    return ((index + 1) << level) - 1;
  }
}
