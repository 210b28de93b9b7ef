package dev.rotor.ledger.checkpoint;

import dev.rotor.common.event.EventType;
import dev.rotor.ledger.merkle.ProofBuilder;
import dev.rotor.ledger.metrics.LedgerMetrics;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.note.SignedNote;
import dev.rotor.ledger.store.CheckpointEntity;
import dev.rotor.ledger.store.CheckpointStore;
import dev.rotor.ledger.store.EntryStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Signs checkpoints and stores them, with their publication queued, in the transaction that
 * appended what they cover.
 */
@ApplicationScoped
public class CheckpointIssuer {
  /** Why a checkpoint was issued. */
  public static final String ENTRIES = "entries";

  public static final String INTERVAL = "interval";
  public static final String ROTATION_END = "rotation-end";

  private static final Logger LOG = Logger.getLogger(CheckpointIssuer.class);
  private static final String CHECKPOINT_TYPE = EventType.LEDGER_CHECKPOINT.cloudEventType();

  @Inject LedgerKeys keys;
  @Inject CheckpointStore checkpoints;
  @Inject EntryStore entries;
  @Inject LedgerMetrics metrics;
  @Inject Clock clock;

  /**
   * Signs and stores the checkpoint of the first {@code treeSize} entries, whose root is {@code
   * root}. The caller's transaction holds the append lock.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public CheckpointEntity issue(long treeSize, byte[] root, String reason) {
    Checkpoint checkpoint = new Checkpoint(keys.origin(), treeSize, root, clock.instant());
    SignedNote note = keys.signer().sign(checkpoint.body());
    String text = note.encode();
    CheckpointEntity entity = new CheckpointEntity();
    entity.treeSize = treeSize;
    entity.rootHash = root.clone();
    entity.issuedAt = checkpoint.time();
    entity.reason = reason;
    entity.keyName = keys.verifier().name();
    entity.keyId = keys.verifier().keyIdHex();
    entity.signedNote = text;
    // Derived from the signed text: publishing it again is a duplicate downstream, not news.
    entity.eventId =
        UUID.nameUUIDFromBytes(("ledger.checkpoint|" + text).getBytes(StandardCharsets.UTF_8))
            .toString();
    checkpoints.insert(entity);
    LOG.infof(
        "ROTOR-5020 checkpoint signed: %d entries, root %s (%s)",
        treeSize, Base64.getEncoder().encodeToString(root), reason);
    return entity;
  }

  /**
   * Issues a checkpoint of the whole log now if entries other than checkpoints were appended since
   * the last one, in its own transaction.
   *
   * @return the checkpoint, or null when none was due
   */
  public CheckpointEntity issueIfStale(String reason) {
    CheckpointEntity issued =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  entries.lockForAppend();
                  long size = entries.size();
                  long last = checkpoints.latestSize();
                  if (size == 0 || !entries.hasEntriesOtherThan(CHECKPOINT_TYPE, last)) {
                    return null;
                  }
                  return issue(size, new ProofBuilder(entries).root(size), reason);
                });
    if (issued != null) {
      metrics.checkpointIssued(reason, issued.treeSize);
    }
    return issued;
  }
}
