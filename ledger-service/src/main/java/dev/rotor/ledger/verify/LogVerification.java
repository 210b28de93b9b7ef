package dev.rotor.ledger.verify;

import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.chain.ChainHashes;
import dev.rotor.ledger.merkle.CompactRange;
import dev.rotor.ledger.merkle.TreeHashes;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.note.NoteException;
import dev.rotor.ledger.note.NoteVerifier;
import dev.rotor.ledger.rotation.RotationRecord;
import dev.rotor.ledger.verify.Finding.Kind;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * Re-verifies a log from what the store holds, entry by entry in leaf order, trusting nothing but
 * the signing keys: each entry's bytes against its leaf hash, its chain hash against its previous
 * hash and leaf, its previous hash against the entry before, its indexed columns against its bytes,
 * the subtree hashes it stores against those recomputed from the bytes, and every signed checkpoint
 * against the root recomputed from the bytes at its size.
 *
 * <p>Which entry a broken link implicates: entry {@code i}'s previous hash records the chain hash
 * entry {@code i-1} had when {@code i} was appended. If that hash is now no entry's, entry {@code
 * i-1} was rewritten (even with its own hashes recomputed); if another entry has it, entry {@code
 * i} was moved there (entries were reordered).
 */
public final class LogVerification {
  private static final HexFormat HEX = HexFormat.of();
  private static final int MAX_ATTRIBUTIONS = 20;

  private final List<NoteVerifier> trusted;
  private final String origin;
  private final int maxFindings;
  private final Deque<SignedCheckpoint> pendingCheckpoints = new ArrayDeque<>();

  /**
   * By entry (none last), then by kind: for one entry the most telling finding (missing, data,
   * chain, link, columns) comes before its consequences (subtree hashes); then in the order found.
   */
  private static final Comparator<Ranked> ORDER =
      Comparator.comparingLong(
              (Ranked r) -> r.finding().entry() == null ? Long.MAX_VALUE : r.finding().entry())
          .thenComparing(r -> r.finding().kind())
          .thenComparingLong(Ranked::seq);

  private record Ranked(Finding finding, long seq) {}

  /**
   * The {@code maxFindings} first findings in {@link #ORDER}, whatever order they were found in,
   * the last of them at the head: junk rows found early (checkpoints, rotation records) cannot push
   * out the finding that names the first bad entry.
   */
  private final PriorityQueue<Ranked> findings = new PriorityQueue<>(ORDER.reversed());

  private long found;

  private final List<BrokenLink> brokenLinks = new ArrayList<>();
  private final CompactRange range = CompactRange.empty();
  private int findingsOmitted;
  private int checkpointsVerified;
  private int checkpointsFailed;
  private SignedCheckpoint latest;
  private boolean latestMatches;
  private long nextIndex;
  private long entries;
  private byte[] previousChainHash = ChainHashes.genesis();
  private boolean treeBroken;

  private record SignedCheckpoint(long treeSize, byte[] root, Instant time) {}

  private record BrokenLink(long entry, byte[] recordedPrevious, byte[] actualPrevious) {}

  /**
   * @param checkpoints the stored checkpoints, any order
   * @param trusted the keys whose signatures make a checkpoint the log's
   * @param origin the log's origin, which every checkpoint must carry
   * @param maxFindings the most findings to list
   */
  public LogVerification(
      List<StoredCheckpoint> checkpoints,
      List<NoteVerifier> trusted,
      String origin,
      int maxFindings) {
    this.trusted = List.copyOf(trusted);
    this.origin = origin;
    this.maxFindings = maxFindings;
    List<SignedCheckpoint> valid = new ArrayList<>();
    for (StoredCheckpoint stored : checkpoints) {
      SignedCheckpoint signed = open(stored);
      if (signed != null) {
        valid.add(signed);
      }
    }
    valid.sort((a, b) -> Long.compare(a.treeSize(), b.treeSize()));
    pendingCheckpoints.addAll(valid);
    if (!valid.isEmpty()) {
      latest = valid.get(valid.size() - 1);
    }
    checkCheckpointsUpTo(0);
  }

  private SignedCheckpoint open(StoredCheckpoint stored) {
    Checkpoint checkpoint;
    try {
      checkpoint = Checkpoint.parse(NoteVerifier.open(stored.signedNote(), trusted));
    } catch (NoteException e) {
      checkpointsFailed++;
      add(
          new Finding(
              Kind.CHECKPOINT_INVALID,
              null,
              "checkpoint #"
                  + stored.id()
                  + " ("
                  + stored.treeSize()
                  + " entries): "
                  + e.getMessage(),
              null,
              null));
      return null;
    }
    if (!checkpoint.origin().equals(origin)) {
      checkpointsFailed++;
      add(
          new Finding(
              Kind.CHECKPOINT_INVALID,
              null,
              "checkpoint #" + stored.id() + " is signed for another log",
              origin,
              checkpoint.origin()));
      return null;
    }
    if (checkpoint.treeSize() != stored.treeSize()
        || !MessageDigest.isEqual(checkpoint.rootHash(), stored.rootHash())) {
      add(
          new Finding(
              Kind.CHECKPOINT_INVALID,
              null,
              "checkpoint #"
                  + stored.id()
                  + ": its columns differ from its signed note (the note is what counts)",
              checkpoint.treeSize() + " " + checkpoint.rootHashBase64(),
              stored.treeSize() + " " + Base64.getEncoder().encodeToString(stored.rootHash())));
    }
    return new SignedCheckpoint(checkpoint.treeSize(), checkpoint.rootHash(), checkpoint.time());
  }

  /** Checks the next stored entry; entries must come in leaf order. */
  public void accept(StoredEntry entry) {
    long index = entry.leafIndex();
    boolean contiguous = index == nextIndex;
    if (index > nextIndex) {
      add(
          new Finding(
              Kind.MISSING_ENTRY,
              nextIndex,
              index - nextIndex == 1
                  ? "entry " + nextIndex + " is missing"
                  : "entries " + nextIndex + " to " + (index - 1) + " are missing",
              null,
              null));
      treeBroken = true;
    }
    nextIndex = index + 1;
    entries++;

    byte[] leaf = TreeHashes.leaf(entry.canonical());
    boolean dataMatches = MessageDigest.isEqual(leaf, entry.leafHash());
    if (!dataMatches) {
      add(
          new Finding(
              Kind.DATA_MISMATCH,
              index,
              "entry " + index + ": its bytes do not hash to its leaf hash (its data was changed)",
              hex(leaf),
              hex(entry.leafHash())));
    } else if (!MessageDigest.isEqual(
        ChainHashes.next(entry.prevHash(), leaf), entry.chainHash())) {
      add(
          new Finding(
              Kind.CHAIN_MISMATCH,
              index,
              "entry " + index + ": its chain hash does not follow from its previous hash and leaf",
              hex(ChainHashes.next(entry.prevHash(), leaf)),
              hex(entry.chainHash())));
    }
    if (contiguous && !MessageDigest.isEqual(entry.prevHash(), previousChainHash)) {
      brokenLinks.add(new BrokenLink(index, entry.prevHash(), previousChainHash));
    }
    previousChainHash = entry.chainHash();
    checkColumns(entry);

    if (!treeBroken) {
      List<byte[]> completed = range.append(leaf);
      byte[] expected = new byte[completed.size() * TreeHashes.SIZE];
      for (int i = 0; i < completed.size(); i++) {
        System.arraycopy(completed.get(i), 0, expected, i * TreeHashes.SIZE, TreeHashes.SIZE);
      }
      if (!MessageDigest.isEqual(expected, entry.subtreeHashes())) {
        add(
            new Finding(
                Kind.SUBTREE_MISMATCH,
                index,
                "entry "
                    + index
                    + ": the subtree hashes it stores differ from those of the entries' bytes"
                    + " (proofs built from them fail)",
                hex(expected),
                hex(entry.subtreeHashes())));
      }
    }
    checkCheckpointsUpTo(nextIndex);
  }

  private void checkColumns(StoredEntry entry) {
    CanonicalEvent.Attributes attributes;
    try {
      attributes = CanonicalEvent.attributes(entry.canonical());
    } catch (IllegalArgumentException e) {
      add(
          new Finding(
              Kind.METADATA_MISMATCH,
              entry.leafIndex(),
              "entry " + entry.leafIndex() + ": its bytes are not a readable CloudEvent",
              null,
              null));
      return;
    }
    compare(entry, "event_id", attributes.id(), entry.eventId());
    compare(entry, "event_type", attributes.type(), entry.eventType());
    compare(entry, "source", attributes.source(), entry.source());
    compare(entry, "subject", attributes.subject(), entry.subject());
    compare(entry, "rotation_id", attributes.rotationId(), entry.rotationId());
    // The column holds microseconds (CanonicalEvent.columnTime); the bytes keep the event's time.
    if (!Objects.equals(CanonicalEvent.columnTime(attributes.time()), entry.eventTime())) {
      compare(entry, "event_time", attributes.time(), entry.eventTime());
    }
  }

  private void compare(StoredEntry entry, String column, Object inBytes, Object inColumn) {
    if (!Objects.equals(inBytes, inColumn)) {
      add(
          new Finding(
              Kind.METADATA_MISMATCH,
              entry.leafIndex(),
              "entry " + entry.leafIndex() + ": column " + column + " differs from its bytes",
              String.valueOf(inBytes),
              String.valueOf(inColumn)));
    }
  }

  private void checkCheckpointsUpTo(long size) {
    while (!pendingCheckpoints.isEmpty() && pendingCheckpoints.peekFirst().treeSize() <= size) {
      SignedCheckpoint checkpoint = pendingCheckpoints.removeFirst();
      // A checkpoint whose size fell into a gap of missing entries cannot be reproduced.
      boolean reproducible = !treeBroken && checkpoint.treeSize() == size;
      boolean matches = reproducible && MessageDigest.isEqual(range.root(), checkpoint.root());
      if (matches) {
        checkpointsVerified++;
      } else {
        checkpointsFailed++;
        add(
            new Finding(
                Kind.CHECKPOINT_MISMATCH,
                null,
                "the checkpoint of "
                    + checkpoint.treeSize()
                    + " entries signed at "
                    + checkpoint.time()
                    + (!reproducible
                        ? " cannot be reproduced: entries before it are missing"
                        : " no longer matches: an entry before "
                            + checkpoint.treeSize()
                            + " was changed since it was signed"),
                Base64.getEncoder().encodeToString(checkpoint.root()),
                reproducible ? Base64.getEncoder().encodeToString(range.root()) : null));
      }
      if (checkpoint == latest) {
        latestMatches = matches;
      }
    }
  }

  /**
   * Compares the stored record of rotation {@code rotationId} with the one its entries fold to
   * ({@link dev.rotor.ledger.rotation.RotationProjection}); either may be null (no row, no
   * entries). The rotations table is derived data the application role may write, and the API
   * serves it: a difference is reported, not trusted.
   */
  public void acceptProjection(
      String rotationId, RotationRecord stored, RotationRecord rebuilt, String problem) {
    String safeId = rotationId.length() > 80 ? rotationId.substring(0, 80) + "..." : rotationId;
    if (problem != null) {
      add(
          new Finding(
              Kind.PROJECTION_MISMATCH,
              null,
              "rotation "
                  + safeId
                  + ": its record cannot be rebuilt from its entries ("
                  + problem
                  + ")",
              null,
              null));
      return;
    }
    if (stored == null && rebuilt == null) {
      return;
    }
    if (stored == null || rebuilt == null) {
      add(
          new Finding(
              Kind.PROJECTION_MISMATCH,
              null,
              "rotation "
                  + safeId
                  + (stored == null
                      ? ": has entries but no stored record"
                      : ": has a stored record but no entries"),
              rebuilt == null ? null : rebuilt.status().name(),
              stored == null ? null : stored.status().name()));
      return;
    }
    List<String> differing = RotationRecords.differingFields(rebuilt, stored);
    if (!differing.isEmpty()) {
      add(
          new Finding(
              Kind.PROJECTION_MISMATCH,
              null,
              "rotation "
                  + safeId
                  + ": the stored record differs from its entries in "
                  + String.join(", ", differing),
              RotationRecords.describe(rebuilt, differing),
              RotationRecords.describe(stored, differing)));
    }
  }

  /**
   * Ends the verification.
   *
   * @param chainHashOwner the leaf index of the entry whose chain hash is the given one, if any (to
   *     tell a rewritten entry from a moved one)
   * @param guardsDisabled refusing triggers not in state ENABLE ALWAYS
   */
  public VerificationReport finish(
      Function<byte[], OptionalLong> chainHashOwner,
      List<String> guardsDisabled,
      Instant startedAt,
      long durationMillis) {
    for (SignedCheckpoint beyond : pendingCheckpoints) {
      checkpointsFailed++;
      add(
          new Finding(
              Kind.CHECKPOINT_BEYOND_LOG,
              null,
              "the checkpoint signed at "
                  + beyond.time()
                  + " covers "
                  + beyond.treeSize()
                  + " entries, the log has "
                  + nextIndex
                  + ": entries were removed from its end",
              Long.toString(beyond.treeSize()),
              Long.toString(nextIndex)));
      if (beyond == latest) {
        latestMatches = false;
      }
    }
    int attributed = 0;
    for (BrokenLink link : brokenLinks) {
      if (attributed++ >= MAX_ATTRIBUTIONS) {
        add(brokenLink(link.entry(), link, null));
        continue;
      }
      OptionalLong owner = chainHashOwner.apply(link.recordedPrevious());
      add(brokenLink(link.entry(), link, owner.isPresent() ? owner.getAsLong() : null));
    }
    List<Finding> ordered = findings.stream().sorted(ORDER).map(Ranked::finding).toList();
    Long firstBad =
        ordered.stream().map(Finding::entry).filter(Objects::nonNull).findFirst().orElse(null);
    boolean ok = ordered.isEmpty() && findingsOmitted == 0;
    String root = treeBroken ? null : Base64.getEncoder().encodeToString(range.root());
    VerificationReport.CheckpointStatus latestStatus =
        latest == null
            ? null
            : new VerificationReport.CheckpointStatus(
                latest.treeSize(),
                Base64.getEncoder().encodeToString(latest.root()),
                latest.time(),
                true,
                latestMatches);
    return new VerificationReport(
        ok,
        summary(ok, firstBad, ordered),
        firstBad,
        nextIndex,
        root,
        latestStatus,
        checkpointsVerified,
        checkpointsFailed,
        ordered,
        findingsOmitted,
        List.copyOf(guardsDisabled),
        startedAt,
        durationMillis);
  }

  private Finding brokenLink(long index, BrokenLink link, Long owner) {
    if (index == 0 && owner == null) {
      return new Finding(
          Kind.BROKEN_LINK,
          0L,
          "entry 0 does not start the log: its previous hash is not the empty log's (zeros), so"
              + " it was rewritten or entries before it were removed",
          hex(link.actualPrevious()),
          hex(link.recordedPrevious()));
    }
    if (owner != null && owner != index - 1) {
      return new Finding(
          Kind.BROKEN_LINK,
          index,
          "entry "
              + index
              + " was appended after entry "
              + owner
              + ", not after entry "
              + (index - 1)
              + ": entries were moved",
          hex(link.actualPrevious()),
          hex(link.recordedPrevious()));
    }
    return new Finding(
        Kind.BROKEN_LINK,
        index - 1,
        "entry "
            + (index - 1)
            + " was rewritten after entry "
            + index
            + " was appended: entry "
            + index
            + " records a different chain hash for it",
        hex(link.recordedPrevious()),
        hex(link.actualPrevious()));
  }

  private String summary(boolean ok, Long firstBad, List<Finding> ordered) {
    if (ok) {
      return "the log verifies: "
          + nextIndex
          + " entries, "
          + checkpointsVerified
          + " signed checkpoints reproduced";
    }
    if (firstBad != null) {
      Finding first =
          ordered.stream().filter(f -> firstBad.equals(f.entry())).findFirst().orElseThrow();
      return "the log does not verify: first bad entry " + firstBad + " (" + first.message() + ")";
    }
    return "the log does not verify: " + ordered.get(0).message();
  }

  private void add(Finding finding) {
    findings.add(new Ranked(finding, found++));
    if (findings.size() > maxFindings) {
      findings.poll();
      findingsOmitted++;
    }
  }

  private static String hex(byte[] bytes) {
    return bytes == null ? null : HEX.formatHex(bytes);
  }
}
