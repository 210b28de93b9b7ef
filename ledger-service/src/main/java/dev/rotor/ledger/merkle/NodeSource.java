package dev.rotor.ledger.merkle;

import java.util.Collection;
import java.util.Map;

/** Where the hashes of perfect subtrees come from: the store, or memory in tests and tools. */
@FunctionalInterface
public interface NodeSource {

  /**
   * The hashes of the given subtrees, each fully inside the tree the caller asks about.
   *
   * @throws MissingNodeException when a node is not (or no longer) available
   */
  Map<Node, byte[]> hashes(Collection<Node> nodes);

  /** A node a proof needs is not in the store: the log is shorter than asked, or damaged. */
  final class MissingNodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MissingNodeException(Node node) {
      super("no hash stored for the subtree at level " + node.level() + ", index " + node.index());
    }
  }
}
