package dev.rotor.ledger.store;

import dev.rotor.ledger.checkpoint.LedgerKeys;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.note.NoteVerifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Issued checkpoints, and the outbox of those not yet published. */
@ApplicationScoped
public class CheckpointStore {
  private static final int PAGE = 50;

  @Inject EntityManager entityManager;
  @Inject LedgerKeys keys;

  /** Stores a checkpoint and queues it for publication. */
  public void insert(CheckpointEntity checkpoint) {
    entityManager.persist(checkpoint);
    entityManager.flush();
    OutboxEntity pending = new OutboxEntity();
    pending.checkpointId = checkpoint.id;
    entityManager.persist(pending);
  }

  /**
   * The log's latest checkpoint: of the rows its keys signed, the one of the largest tree size. A
   * row is the log's when its signed note opens with a trusted key, names the log's origin and says
   * what the row's columns say. Any other row (one written into the table by hand: the application
   * role may insert) is skipped, so it can neither stop checkpoints from falling due nor be served
   * as the log's; verification reports it ({@code CHECKPOINT_INVALID}). A signed checkpoint beyond
   * the log (entries removed from its end) still counts: no other root is signed for its size, and
   * proofs against it fail visibly.
   */
  public Optional<CheckpointEntity> latest() {
    for (int offset = 0; ; offset += PAGE) {
      List<CheckpointEntity> rows =
          entityManager
              .createQuery(
                  "from CheckpointEntity c order by c.treeSize desc, c.id desc",
                  CheckpointEntity.class)
              .setFirstResult(offset)
              .setMaxResults(PAGE)
              .getResultList();
      for (CheckpointEntity row : rows) {
        if (signedByTheLog(row)) {
          return Optional.of(row);
        }
      }
      if (rows.size() < PAGE) {
        return Optional.empty();
      }
    }
  }

  /** The tree size of the log's latest checkpoint ({@link #latest}), 0 when none was issued. */
  public long latestSize() {
    return latest().map(c -> c.treeSize).orElse(0L);
  }

  private boolean signedByTheLog(CheckpointEntity row) {
    try {
      Checkpoint signed = Checkpoint.parse(NoteVerifier.open(row.signedNote, keys.trusted()));
      return signed.origin().equals(keys.origin())
          && signed.treeSize() == row.treeSize
          && MessageDigest.isEqual(signed.rootHash(), row.rootHash);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The latest checkpoint the log's keys signed at exactly {@code treeSize} ({@link #latest} says
   * which rows are the log's).
   */
  public Optional<CheckpointEntity> atSize(long treeSize) {
    return entityManager
        .createQuery(
            "from CheckpointEntity c where c.treeSize = :size order by c.id desc",
            CheckpointEntity.class)
        .setParameter("size", treeSize)
        .getResultStream()
        .filter(this::signedByTheLog)
        .findFirst();
  }

  /** Checkpoints newest first, {@code offset} skipped. */
  public List<CheckpointEntity> page(int offset, int limit) {
    return entityManager
        .createQuery(
            "from CheckpointEntity c order by c.treeSize desc, c.id desc", CheckpointEntity.class)
        .setFirstResult(offset)
        .setMaxResults(limit)
        .getResultList();
  }

  /** Every checkpoint, by tree size (verification walks them alongside the entries). */
  public List<CheckpointEntity> all() {
    return entityManager
        .createQuery("from CheckpointEntity c order by c.treeSize, c.id", CheckpointEntity.class)
        .getResultList();
  }

  /** Checkpoints waiting to be published and not quarantined, oldest first. */
  public List<CheckpointEntity> unpublished(int limit) {
    return entityManager
        .createQuery(
            "select c from CheckpointEntity c, OutboxEntity o where o.checkpointId = c.id"
                + " and o.quarantinedAt is null order by c.id",
            CheckpointEntity.class)
        .setMaxResults(limit)
        .getResultList();
  }

  /**
   * Counts a failed publication of the checkpoint, noting {@code now} as the first failure when it
   * is; its outbox row with the failed publications in a row so far and the first one's time, or
   * empty when it left the outbox. One statement, so that it neither loses a count nor overwrites
   * the time.
   */
  public Optional<OutboxEntity> failedAttempt(long checkpointId, Instant now) {
    entityManager
        .createQuery(
            "update OutboxEntity o set o.attempts = o.attempts + 1, o.firstFailedAt = case when"
                + " o.attempts = 0 or o.firstFailedAt is null then :now else o.firstFailedAt end"
                + " where o.checkpointId = :id")
        .setParameter("now", now)
        .setParameter("id", checkpointId)
        .executeUpdate();
    return Optional.ofNullable(entityManager.find(OutboxEntity.class, checkpointId));
  }

  /** Sets the checkpoint aside: it stays in the outbox, not published until re-queued. */
  public void quarantine(long checkpointId, String reason, Instant now) {
    OutboxEntity entry = entityManager.find(OutboxEntity.class, checkpointId);
    if (entry != null) {
      entry.quarantinedAt = now;
      entry.quarantineReason = reason.length() <= 600 ? reason : reason.substring(0, 600);
    }
  }

  /** Checkpoints quarantined in the outbox. */
  public long quarantined() {
    return entityManager
        .createQuery(
            "select count(o) from OutboxEntity o where o.quarantinedAt is not null", Long.class)
        .getSingleResult();
  }

  /** Removes a published checkpoint from the outbox. */
  public void published(long checkpointId) {
    entityManager
        .createQuery("delete from OutboxEntity o where o.checkpointId = :id")
        .setParameter("id", checkpointId)
        .executeUpdate();
  }
}
