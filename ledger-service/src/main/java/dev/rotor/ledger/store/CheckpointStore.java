package dev.rotor.ledger.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
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

  /** The checkpoint with the largest tree size (the latest of those). */
  public Optional<CheckpointEntity> latest() {
    return entityManager
        .createQuery(
            "from CheckpointEntity c order by c.treeSize desc, c.id desc", CheckpointEntity.class)
        .setMaxResults(1)
        .getResultStream()
        .findFirst();
  }

  /** The tree size of the latest checkpoint, 0 when none was issued. */
  public long latestSize() {
    Long size =
        entityManager
            .createQuery("select max(c.treeSize) from CheckpointEntity c", Long.class)
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

  /** Checkpoints waiting to be published, oldest first. */
  public List<CheckpointEntity> unpublished(int limit) {
    return entityManager
        .createQuery(
            "select c from CheckpointEntity c, OutboxEntity o where o.checkpointId = c.id"
                + " order by c.id",
            CheckpointEntity.class)
        .setMaxResults(limit)
        .getResultList();
  }

  /** Removes a published checkpoint from the outbox. */
  public void published(long checkpointId) {
    entityManager
        .createQuery("delete from OutboxEntity o where o.checkpointId = :id")
        .setParameter("id", checkpointId)
        .executeUpdate();
  }
}
