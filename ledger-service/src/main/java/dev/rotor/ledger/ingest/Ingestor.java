package dev.rotor.ledger.ingest;

import dev.rotor.common.event.EventType;
import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.chain.LogTip;
import dev.rotor.ledger.checkpoint.CheckpointIssuer;
import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.metrics.LedgerMetrics;
import dev.rotor.ledger.rotation.RotationProjection;
import dev.rotor.ledger.store.CheckpointEntity;
import dev.rotor.ledger.store.CheckpointStore;
import dev.rotor.ledger.store.EntryEntity;
import dev.rotor.ledger.store.EntryStore;
import dev.rotor.ledger.store.EntryStore.EventKey;
import dev.rotor.ledger.store.RotationStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Appends a batch of events to the log in one transaction: under the append lock, events whose
 * source and id the log already holds are skipped, the others become entries chained and hashed
 * into the tree, their rotations' records are folded, and a checkpoint is signed when one is due.
 * Nothing of a batch is stored unless all of it is.
 */
@ApplicationScoped
public class Ingestor {
  private static final Logger LOG = Logger.getLogger(Ingestor.class);
  private static final String CHECKPOINT_TYPE = EventType.LEDGER_CHECKPOINT.cloudEventType();

  @Inject EntryStore entries;
  @Inject RotationStore rotations;
  @Inject CheckpointStore checkpoints;
  @Inject CheckpointIssuer issuer;
  @Inject LedgerConfig config;
  @Inject LedgerMetrics metrics;
  @Inject Clock clock;

  /** The tip after the last commit; checked against the store's size before each use. */
  private final AtomicReference<LogTip> committedTip = new AtomicReference<>();

  /**
   * What one batch did.
   *
   * @param appended the events appended, in log order
   * @param duplicates events skipped because the log holds their source and id
   * @param conflicting events whose source and id the log holds with other content: not stored (the
   *     log keeps the first), to be dead-lettered so that an auditor sees them
   * @param treeSize the log's size after the batch
   * @param checkpoint the checkpoint signed in the batch's transaction, or null
   */
  public record Outcome(
      List<PreparedEvent> appended,
      int duplicates,
      List<PreparedEvent> conflicting,
      long treeSize,
      CheckpointEntity checkpoint) {}

  /**
   * Appends the events of {@code batch} that the log does not hold yet, in a new transaction.
   *
   * @throws RuntimeException when the database refuses; nothing of the batch is stored then
   */
  public Outcome append(List<PreparedEvent> batch) {
    LogTip[] after = new LogTip[1];
    Outcome outcome = QuarkusTransaction.requiringNew().call(() -> appendLocked(batch, after));
    // Committed: the next batch may start from this tip (if no other appender moved the log).
    committedTip.set(after[0]);
    metrics.treeSize(outcome.treeSize());
    for (PreparedEvent event : outcome.appended()) {
      metrics.entryAppended(event.event().type().eventName());
    }
    metrics.duplicates(false, outcome.duplicates() - outcome.conflicting().size());
    metrics.duplicates(true, outcome.conflicting().size());
    for (PreparedEvent event : outcome.conflicting()) {
      LOG.warnf(
          "ROTOR-5003 event %s from %s (record %s-%d@%d) arrived again with other content; the log"
              + " keeps the first one, this one goes to the dead-letter topic",
          event.event().id(),
          event.event().source(),
          event.topic(),
          event.partition(),
          event.offset());
    }
    if (outcome.checkpoint() != null) {
      metrics.checkpointIssued(outcome.checkpoint().reason, outcome.checkpoint().treeSize);
    }
    return outcome;
  }

  private Outcome appendLocked(List<PreparedEvent> batch, LogTip[] after) {
    entries.lockForAppend();
    long size = entries.size();
    LogTip cached = committedTip.get();
    LogTip tip = cached != null && cached.size() == size ? cached.copy() : entries.loadTip(size);

    Set<EventKey> keys = new LinkedHashSet<>();
    batch.forEach(event -> keys.add(keyOf(event)));
    Map<EventKey, byte[]> known = entries.leafHashesOf(keys);

    Instant now = clock.instant();
    List<PreparedEvent> appended = new ArrayList<>();
    List<RotationStore.Recorded> recorded = new ArrayList<>();
    List<PreparedEvent> conflicting = new ArrayList<>();
    int duplicates = 0;
    boolean rotationEnded = false;
    for (PreparedEvent prepared : batch) {
      EventKey key = keyOf(prepared);
      byte[] existing = known.get(key);
      if (existing != null) {
        duplicates++;
        if (!Arrays.equals(existing, prepared.leafHash())) {
          conflicting.add(prepared);
        }
        continue;
      }
      LogTip.Appended hashes = tip.append(prepared.leafHash());
      entries.insert(entry(prepared, hashes, now));
      known.put(key, prepared.leafHash());
      appended.add(prepared);
      if (prepared.event().rotationId() != null) {
        recorded.add(new RotationStore.Recorded(hashes.leafIndex(), prepared.event()));
      }
      rotationEnded |= RotationProjection.endsRotation(prepared.event().data());
    }
    rotations.apply(recorded);

    CheckpointEntity checkpoint = null;
    if (!appended.isEmpty()) {
      long last = checkpoints.latestSize();
      int every = config.checkpoint().everyEntries();
      // Only entries other than the ledger's own checkpoints count: a checkpoint's entry must not
      // make the next checkpoint due (with every-entries=1 that would never end).
      if (tip.size() - last >= every && entries.countOtherThan(CHECKPOINT_TYPE, last) >= every) {
        checkpoint = issuer.issue(tip.size(), tip.root(), CheckpointIssuer.ENTRIES);
      } else if (rotationEnded && config.checkpoint().atRotationEnd()) {
        checkpoint = issuer.issue(tip.size(), tip.root(), CheckpointIssuer.ROTATION_END);
      }
    }
    entries.flush();
    after[0] = tip;
    return new Outcome(appended, duplicates, conflicting, tip.size(), checkpoint);
  }

  private static EventKey keyOf(PreparedEvent prepared) {
    return new EventKey(prepared.event().source(), prepared.event().id());
  }

  private static EntryEntity entry(PreparedEvent prepared, LogTip.Appended hashes, Instant now) {
    EntryEntity entry = new EntryEntity();
    entry.leafIndex = hashes.leafIndex();
    entry.eventId = prepared.event().id();
    entry.eventType = prepared.event().type().cloudEventType();
    entry.source = prepared.event().source();
    entry.subject = prepared.event().subject();
    entry.rotationId = prepared.event().rotationId();
    entry.eventTime = CanonicalEvent.columnTime(prepared.event().time());
    entry.canonical = prepared.canonical();
    entry.leafHash = hashes.leafHash();
    entry.prevHash = hashes.prevHash();
    entry.chainHash = hashes.chainHash();
    entry.subtreeHashes = hashes.subtreeHashes();
    entry.kafkaTopic = prepared.topic();
    entry.kafkaPartition = prepared.partition();
    entry.kafkaOffset = prepared.offset();
    entry.ingestedAt = now;
    return entry;
  }
}
