package dev.rotor.ledger.verify;

/**
 * One thing verification found wrong.
 *
 * @param kind what kind of mismatch
 * @param entry the leaf index of the entry it implicates, or null when it implicates a range (a
 *     checkpoint that no longer matches)
 * @param message what differs, in words
 * @param expected what the check expected (a hash in hex, a value), or null
 * @param actual what the store holds, or null
 */
public record Finding(Kind kind, Long entry, String message, String expected, String actual) {

  /** The kinds of findings. */
  public enum Kind {
    /** Leaf indexes are not contiguous: entries were deleted. */
    MISSING_ENTRY,
    /** An entry's bytes do not hash to its stored leaf hash: its data was changed. */
    DATA_MISMATCH,
    /** An entry's chain hash does not follow from its own previous hash and leaf hash. */
    CHAIN_MISMATCH,
    /** An entry's previous hash is not the chain hash of the entry before it. */
    BROKEN_LINK,
    /**
     * An entry's indexed columns (id, type, source, subject, rotation, time) differ from its bytes.
     */
    METADATA_MISMATCH,
    /** The subtree hashes an entry stores differ from those its leaves give. */
    SUBTREE_MISMATCH,
    /** A stored checkpoint's signature does not verify with a trusted key, or it is malformed. */
    CHECKPOINT_INVALID,
    /** The root of the entries a signed checkpoint covers is not the root it signed. */
    CHECKPOINT_MISMATCH,
    /** A signed checkpoint covers more entries than the log has: entries were removed. */
    CHECKPOINT_BEYOND_LOG,
    /**
     * A stored rotation record (what the rotations API and exports serve) differs from the record
     * its entries fold to, or exists without entries, or is missing for a rotation with entries.
     */
    PROJECTION_MISMATCH
  }
}
