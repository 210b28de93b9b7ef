package dev.rotor.ledger.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.chain.ChainHashes;
import dev.rotor.ledger.chain.LogTip;
import dev.rotor.ledger.merkle.TreeHashes;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.note.NoteSigner;
import dev.rotor.ledger.note.NoteVerifier;
import dev.rotor.ledger.note.SigningKeys;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.ledger.verify.Finding.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verification of a log built in memory exactly as ingest builds it, rewritten in every way a
 * database administrator could: the first bad entry is named each time, with what differs.
 */
class LogVerificationTest {
  private static final String ORIGIN = "rotor.test/ledger";

  @TempDir Path keys;

  private final List<StoredEntry> log = new ArrayList<>();
  private NoteSigner signer;
  private StoredCheckpoint checkpoint;

  private void buildLog() {
    buildLog(null, null);
  }

  /**
   * The log, the first event's time replaced by {@code firstTime} (null: unchanged) and its
   * event_time column holding {@code firstColumn}.
   */
  private void buildLog(Instant firstTime, Instant firstColumn) {
    signer = SigningKeys.load(SigningKeyResource.writeNewKey(keys), ORIGIN);
    LogTip tip = LogTip.empty();
    for (RotationEvents rotation :
        List.of(RotationEvents.completed("one"), RotationEvents.completed("two"))) {
      for (RotationEvents.Sent sent : rotation.events()) {
        EventEnvelope event = sent.event();
        Instant column = event.time();
        if (firstTime != null && log.isEmpty()) {
          event =
              new EventEnvelope(
                  event.id(),
                  event.type(),
                  event.source(),
                  event.subject(),
                  event.rotationId(),
                  firstTime,
                  event.data());
          column = firstColumn;
        }
        byte[] canonical = CanonicalEvent.bytes(event);
        LogTip.Appended a = tip.append(TreeHashes.leaf(canonical));
        log.add(
            new StoredEntry(
                a.leafIndex(),
                event.id(),
                event.type().cloudEventType(),
                event.source(),
                event.subject(),
                event.rotationId(),
                column,
                canonical,
                a.leafHash(),
                a.prevHash(),
                a.chainHash(),
                a.subtreeHashes()));
      }
    }
    checkpoint = sign(tip.size(), tip.root());
  }

  @Test
  void anUntouchedLogVerifiesAgainstItsSignedCheckpoint() {
    buildLog();
    VerificationReport report = verify(log, List.of(checkpoint));
    assertThat(report.ok()).as(report.toString()).isTrue();
    assertThat(report.firstBadEntry()).isNull();
    assertThat(report.treeSize()).isEqualTo(28);
    assertThat(report.checkpointsVerified()).isEqualTo(1);
    assertThat(report.latestCheckpoint().matches()).isTrue();
  }

  @Test
  void anEventTimeWithNanosecondsVerifiesAgainstTheColumnThatHoldsItInMicroseconds() {
    // PostgreSQL's timestamptz holds microseconds: the driver rounds the nanoseconds half up.
    buildLog(
        Instant.parse("2026-11-26T06:00:00.123456789Z"),
        Instant.parse("2026-11-26T06:00:00.123457Z"));

    VerificationReport report = verify(log, List.of(checkpoint));
    assertThat(report.ok()).as(report.toString()).isTrue();
  }

  @Test
  void anEventTimeColumnOffByAMicrosecondIsStillFound() {
    buildLog(
        Instant.parse("2026-11-26T06:00:00.123456789Z"),
        Instant.parse("2026-11-26T06:00:00.123458Z"));

    VerificationReport report = verify(log, List.of(checkpoint));
    assertFirstBad(report, 0, Kind.METADATA_MISMATCH);
    assertThat(report.findings().get(0).message()).contains("event_time");
  }

  @Test
  void changedDataIsFoundAtItsEntry() {
    buildLog();
    List<StoredEntry> tampered = new ArrayList<>(log);
    tampered.set(5, withCanonical(log.get(5), rewrite(log.get(5).canonical())));

    VerificationReport report = verify(tampered, List.of(checkpoint));
    assertFirstBad(report, 5, Kind.DATA_MISMATCH);
    assertThat(report.findings()).anyMatch(f -> f.kind() == Kind.CHECKPOINT_MISMATCH);
  }

  @Test
  void aColumnThatNoLongerSaysWhatTheBytesSayIsFound() {
    buildLog();
    List<StoredEntry> tampered = new ArrayList<>(log);
    StoredEntry e = log.get(7);
    tampered.set(
        7,
        new StoredEntry(
            e.leafIndex(),
            e.eventId(),
            e.eventType(),
            e.source(),
            e.subject(),
            "another-rotation",
            e.eventTime(),
            e.canonical(),
            e.leafHash(),
            e.prevHash(),
            e.chainHash(),
            e.subtreeHashes()));

    VerificationReport report = verify(tampered, List.of(checkpoint));
    assertFirstBad(report, 7, Kind.METADATA_MISMATCH);
    assertThat(report.findings().get(0).message()).contains("rotation_id");
  }

  @Test
  void aForgedEntryWithRecomputedHashesIsFoundAtTheForgedEntryNotAtItsSuccessor() {
    buildLog();
    for (int k : new int[] {4, 9}) {
      List<StoredEntry> tampered = new ArrayList<>(log);
      tampered.set(k, forgedWithRecomputedHashes(log.get(k)));

      VerificationReport report = verify(tampered, List.of(checkpoint));
      assertFirstBad(report, k, Kind.BROKEN_LINK);
      assertThat(report.findings()).noneMatch(f -> f.kind() == Kind.DATA_MISMATCH);
    }
  }

  @Test
  void twoEntriesSwappedAreFoundAtTheFirstOfThem() {
    buildLog();
    List<StoredEntry> tampered = new ArrayList<>(log);
    tampered.set(3, at(log.get(11), 3));
    tampered.set(11, at(log.get(3), 11));

    VerificationReport report = verify(tampered, List.of(checkpoint));
    assertFirstBad(report, 3, Kind.BROKEN_LINK);
    assertThat(report.findings())
        .filteredOn(f -> f.kind() == Kind.BROKEN_LINK && Long.valueOf(3).equals(f.entry()))
        .singleElement()
        .satisfies(f -> assertThat(f.message()).contains("moved"));
  }

  @Test
  void aDeletedEntryIsFoundAtItsPositionAndLaterCheckpointsCannotBeReproduced() {
    buildLog();
    List<StoredEntry> tampered = new ArrayList<>(log);
    tampered.remove(6);

    VerificationReport report = verify(tampered, List.of(checkpoint));
    assertFirstBad(report, 6, Kind.MISSING_ENTRY);
    assertThat(report.rootHash()).isNull();
    assertThat(report.findings())
        .anyMatch(f -> f.kind() == Kind.CHECKPOINT_MISMATCH && f.message().contains("missing"));
  }

  @Test
  void entriesRemovedFromTheEndShowAgainstTheCheckpointThatCoveredThem() {
    buildLog();
    VerificationReport report = verify(log.subList(0, 25), List.of(checkpoint));
    assertThat(report.ok()).isFalse();
    assertThat(report.firstBadEntry()).isNull();
    assertThat(report.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_BEYOND_LOG);
              assertThat(f.message()).contains("28 entries", "the log has 25");
            });
  }

  @Test
  void aLogRewrittenConsistentlyFromOneEntryOnIsCaughtOnlyByTheCheckpointSignedBefore() {
    buildLog();
    List<StoredEntry> rewritten = new ArrayList<>(log.subList(0, 10));
    LogTip tip = LogTip.empty();
    for (StoredEntry e : rewritten) {
      tip.append(e.leafHash());
    }
    StoredCheckpoint early = sign(tip.size(), tip.root());
    for (StoredEntry e : log.subList(10, log.size())) {
      byte[] canonical = e.leafIndex() == 12 ? rewrite(e.canonical()) : e.canonical();
      LogTip.Appended a = tip.append(TreeHashes.leaf(canonical));
      rewritten.add(
          new StoredEntry(
              e.leafIndex(),
              e.eventId(),
              e.eventType(),
              e.source(),
              e.subject(),
              e.rotationId(),
              e.eventTime(),
              canonical,
              a.leafHash(),
              a.prevHash(),
              a.chainHash(),
              a.subtreeHashes()));
    }

    VerificationReport report = verify(rewritten, List.of(early, checkpoint));
    assertThat(report.ok()).isFalse();
    assertThat(report.checkpointsVerified()).isEqualTo(1);
    assertThat(report.checkpointsFailed()).isEqualTo(1);
    assertThat(report.latestCheckpoint().matches()).isFalse();
    assertThat(report.summary()).contains("checkpoint of 28 entries");
  }

  @Test
  void storedSubtreeHashesThatProofsWouldUseAreChecked() {
    buildLog();
    List<StoredEntry> tampered = new ArrayList<>(log);
    StoredEntry e = log.get(15);
    byte[] subtrees = e.subtreeHashes().clone();
    subtrees[0] ^= 1;
    tampered.set(
        15,
        new StoredEntry(
            e.leafIndex(),
            e.eventId(),
            e.eventType(),
            e.source(),
            e.subject(),
            e.rotationId(),
            e.eventTime(),
            e.canonical(),
            e.leafHash(),
            e.prevHash(),
            e.chainHash(),
            subtrees));

    assertFirstBad(verify(tampered, List.of(checkpoint)), 15, Kind.SUBTREE_MISMATCH);
  }

  @Test
  void aCheckpointNotSignedByATrustedKeyIsInvalid() throws Exception {
    buildLog();
    NoteSigner stranger = SigningKeys.load(SigningKeyResource.writeNewKey(keys), ORIGIN);
    Checkpoint body =
        Checkpoint.parse(NoteVerifier.open(checkpoint.signedNote(), List.of(signer.verifier())));
    StoredCheckpoint forged =
        new StoredCheckpoint(
            2, body.treeSize(), body.rootHash(), body.time(), stranger.sign(body.body()).encode());

    VerificationReport report = verify(log, List.of(forged));
    assertThat(report.ok()).isFalse();
    assertThat(report.findings())
        .singleElement()
        .satisfies(f -> assertThat(f.kind()).isEqualTo(Kind.CHECKPOINT_INVALID));
  }

  @Test
  void rowsWrittenToFillTheReportDoNotPushOutTheFindingThatNamesTheForgedEntry() throws Exception {
    buildLog();
    List<StoredEntry> tampered = new ArrayList<>(log);
    tampered.set(9, forgedWithRecomputedHashes(log.get(9)));
    // Checkpoint rows the application role may insert, none signed by the log's key: found first,
    // before any entry, and more of them than the report lists.
    NoteSigner stranger = SigningKeys.load(SigningKeyResource.writeNewKey(keys), ORIGIN);
    List<StoredCheckpoint> checkpoints = new ArrayList<>(List.of(checkpoint));
    Checkpoint body =
        Checkpoint.parse(NoteVerifier.open(checkpoint.signedNote(), List.of(signer.verifier())));
    for (int i = 0; i < 5; i++) {
      checkpoints.add(
          new StoredCheckpoint(
              10 + i,
              body.treeSize(),
              body.rootHash(),
              body.time(),
              stranger.sign(body.body()).encode()));
    }

    VerificationReport report = verify(tampered, checkpoints, 3);
    assertFirstBad(report, 9, Kind.BROKEN_LINK);
    assertThat(report.findings()).hasSize(3);
    assertThat(report.findingsOmitted()).isPositive();
    assertThat(report.findings().get(0).entry()).isEqualTo(9);
  }

  @Test
  void aFirstEntryThatDoesNotStartFromTheEmptyLogIsNamedAsEntryZero() {
    buildLog();
    List<StoredEntry> tampered = new ArrayList<>(log);
    StoredEntry e = log.get(0);
    byte[] before = new byte[32];
    Arrays.fill(before, (byte) 7);
    tampered.set(
        0,
        new StoredEntry(
            e.leafIndex(),
            e.eventId(),
            e.eventType(),
            e.source(),
            e.subject(),
            e.rotationId(),
            e.eventTime(),
            e.canonical(),
            e.leafHash(),
            before,
            ChainHashes.next(before, e.leafHash()),
            e.subtreeHashes()));

    VerificationReport report = verify(tampered, List.of(checkpoint));
    assertFirstBad(report, 0, Kind.BROKEN_LINK);
    assertThat(report.findings()).noneMatch(f -> f.entry() != null && f.entry() < 0);
    assertThat(report.findings())
        .anyMatch(f -> f.kind() == Kind.BROKEN_LINK && f.message().contains("does not start"));
  }

  private VerificationReport verify(List<StoredEntry> entries, List<StoredCheckpoint> checkpoints) {
    return verify(entries, checkpoints, 100);
  }

  private VerificationReport verify(
      List<StoredEntry> entries, List<StoredCheckpoint> checkpoints, int maxFindings) {
    LogVerification verification =
        new LogVerification(checkpoints, List.of(signer.verifier()), ORIGIN, maxFindings);
    entries.forEach(verification::accept);
    return verification.finish(
        hash -> {
          for (StoredEntry e : entries) {
            if (Arrays.equals(e.chainHash(), hash)) {
              return OptionalLong.of(e.leafIndex());
            }
          }
          return OptionalLong.empty();
        },
        List.of(),
        Instant.EPOCH,
        0);
  }

  private StoredCheckpoint sign(long size, byte[] root) {
    Checkpoint body = new Checkpoint(ORIGIN, size, root, Instant.parse("2026-11-26T07:00:00Z"));
    return new StoredCheckpoint(size, size, root, body.time(), signer.sign(body.body()).encode());
  }

  private static void assertFirstBad(VerificationReport report, long entry, Kind kind) {
    assertThat(report.ok()).isFalse();
    assertThat(report.firstBadEntry()).as(report.toString()).isEqualTo(entry);
    assertThat(report.findings())
        .as(report.toString())
        .anyMatch(f -> f.kind() == kind && Long.valueOf(entry).equals(f.entry()));
    assertThat(report.summary()).contains("first bad entry " + entry);
  }

  /** {@code e} with its data changed and its leaf and chain hashes recomputed to match. */
  private static StoredEntry forgedWithRecomputedHashes(StoredEntry e) {
    byte[] forged = rewrite(e.canonical());
    byte[] leaf = TreeHashes.leaf(forged);
    return new StoredEntry(
        e.leafIndex(),
        e.eventId(),
        e.eventType(),
        e.source(),
        e.subject(),
        e.rotationId(),
        e.eventTime(),
        forged,
        leaf,
        e.prevHash(),
        ChainHashes.next(e.prevHash(), leaf),
        e.subtreeHashes());
  }

  private static StoredEntry withCanonical(StoredEntry e, byte[] canonical) {
    return new StoredEntry(
        e.leafIndex(),
        e.eventId(),
        e.eventType(),
        e.source(),
        e.subject(),
        e.rotationId(),
        e.eventTime(),
        canonical,
        e.leafHash(),
        e.prevHash(),
        e.chainHash(),
        e.subtreeHashes());
  }

  private static StoredEntry at(StoredEntry e, long index) {
    return new StoredEntry(
        index,
        e.eventId(),
        e.eventType(),
        e.source(),
        e.subject(),
        e.rotationId(),
        e.eventTime(),
        e.canonical(),
        e.leafHash(),
        e.prevHash(),
        e.chainHash(),
        e.subtreeHashes());
  }

  /** The bytes with one character of the data's target changed, as a rewriter would. */
  private static byte[] rewrite(byte[] canonical) {
    String text = new String(canonical, StandardCharsets.UTF_8);
    String changed = text.replace("\"targetId\":\"ledger-tests/", "\"targetId\":\"ledger-texts/");
    assertThat(changed).isNotEqualTo(text);
    return changed.getBytes(StandardCharsets.UTF_8);
  }
}
