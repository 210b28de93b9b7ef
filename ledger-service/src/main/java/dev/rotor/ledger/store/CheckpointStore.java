package dev.rotor.ledger.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Issued checkpoints, and the outbox of those not yet published. */
@ApplicationScoped
public class CheckpointStore {
  @Inject EntityManager entityManager;

  /** Stores a checkpoint and queues it for publication. */
  public void insert(CheckpointEntity checkpoint) {
    entityManager.persist(checkpoint);
    entityManager.flush();
    OutboxEntity pending = new OutboxEntity();
    pending.checkpointId = checkpoint.id;
    entityManager.persist(pending);
  }

  /**
   * The checkpoint with the largest tree size (the latest of those) a log of {@code logSize}
   * entries reaches: a row beyond the log cannot be its checkpoint ({@link #latestSizeUpTo}).
   */
  public Optional<CheckpointEntity> latestUpTo(long logSize) {
    return entityManager
        .createQuery(
            "from CheckpointEntity c where c.treeSize <= :size order by c.treeSize desc, c.id desc",
            CheckpointEntity.class)
        .setParameter("size", logSize)
        .setMaxResults(1)
        .getResultStream()
        .findFirst();
  }

  /**
   * The tree size of the latest checkpoint of a log of {@code logSize} entries, 0 when none was
   * issued. A row beyond the log cannot be its checkpoint (one written into the table by hand, or
   * left by entries removed from the end, which verification reports): counting it would stop
   * checkpoints from falling due and point default proofs at a size the log does not have.
   */
  public long latestSizeUpTo(long logSize) {
    Long size =
        entityManager
            .createQuery(
                "select max(c.treeSize) from CheckpointEntity c where c.treeSize <= :size",
                Long.class)
            .setParameter("size", logSize)
            .getSingleResult();
    return size == null ? 0 : size;
  }

  /** The latest checkpoint issued at exactly {@code treeSize}. */
  public Optional<CheckpointEntity> atSize(long treeSize) {
    return entityManager
        .createQuery(
            "from CheckpointEntity c where c.treeSize = :size order by c.id desc",
            CheckpointEntity.class)
        .setParameter("size", treeSize)
        .setMaxResults(1)
        .getResultStream()
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
