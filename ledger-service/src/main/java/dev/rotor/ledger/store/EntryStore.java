package dev.rotor.ledger.store;

import dev.rotor.ledger.chain.LogTip;
import dev.rotor.ledger.merkle.CompactRange;
import dev.rotor.ledger.merkle.Node;
import dev.rotor.ledger.merkle.NodeSource;
import dev.rotor.ledger.merkle.TreeHashes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The entries table: appends, the lookups ingest needs, and the subtree hashes proofs are built
 * from (a {@link NodeSource}: the hash of subtree {@code (level, index)} is stored by the entry
 * whose append completed it, its last leaf).
 */
@ApplicationScoped
public class EntryStore implements NodeSource {
  /**
   * The PostgreSQL advisory lock that serializes appenders (also across several instances of the
   * service): the characters "rotor" as a number.
   */
  public static final long APPEND_LOCK = 0x726f746f72L;

  private static final int MAX_IN_LIST = 1000;

  @Inject EntityManager entityManager;

  /** Takes the append lock until the transaction ends. */
  public void lockForAppend() {
    entityManager
        .createNativeQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(?1)) AS locked")
        .setParameter(1, APPEND_LOCK)
        .getSingleResult();
  }

  /** How many entries the log holds (one more than the highest leaf index). */
  public long size() {
    Long max =
        entityManager
            .createQuery("select max(e.leafIndex) from EntryEntity e", Long.class)
            .getSingleResult();
    return max == null ? 0 : max + 1;
  }

  /** The tip of the log of {@code size} entries, read from the store. */
  public LogTip loadTip(long size) {
    if (size == 0) {
      return LogTip.empty();
    }
    List<Node> edge = CompactRange.nodesFor(size);
    Map<Node, byte[]> found = hashes(edge);
    byte[] lastChain =
        entityManager
            .createQuery(
                "select e.chainHash from EntryEntity e where e.leafIndex = :index", byte[].class)
            .setParameter("index", size - 1)
            .getSingleResult();
    return LogTip.of(size, edge.stream().map(found::get).toList(), lastChain);
  }

  /** An event's identity: CloudEvents make source and id together unique, not the id alone. */
  public record EventKey(String source, String eventId) {}

  /** The leaf hashes of those of {@code keys} the log already holds. */
  public Map<EventKey, byte[]> leafHashesOf(Collection<EventKey> keys) {
    Map<EventKey, byte[]> found = new HashMap<>();
    List<String> ids = keys.stream().map(EventKey::eventId).distinct().toList();
    for (int from = 0; from < ids.size(); from += MAX_IN_LIST) {
      List<Object[]> rows =
          entityManager
              .createQuery(
                  "select e.source, e.eventId, e.leafHash from EntryEntity e"
                      + " where e.eventId in :ids",
                  Object[].class)
              .setParameter("ids", ids.subList(from, Math.min(ids.size(), from + MAX_IN_LIST)))
              .getResultList();
      for (Object[] row : rows) {
        EventKey key = new EventKey((String) row[0], (String) row[1]);
        if (keys.contains(key)) {
          found.put(key, (byte[]) row[2]);
        }
      }
    }
    return found;
  }

  /** Appends one entry (within the caller's transaction, which holds the append lock). */
  public void insert(EntryEntity entry) {
    entityManager.persist(entry);
  }

  /** Writes pending inserts now, so a failure surfaces inside the batch's transaction. */
  public void flush() {
    entityManager.flush();
  }

  @Override
  public Map<Node, byte[]> hashes(Collection<Node> nodes) {
    Set<Long> leaves = new HashSet<>();
    for (Node node : nodes) {
      leaves.add(node.lastLeaf());
    }
    Map<Long, Object[]> rows = new HashMap<>();
    List<Long> wanted = new ArrayList<>(leaves);
    for (int from = 0; from < wanted.size(); from += MAX_IN_LIST) {
      List<Object[]> found =
          entityManager
              .createQuery(
                  "select e.leafIndex, e.leafHash, e.subtreeHashes from EntryEntity e"
                      + " where e.leafIndex in :leaves",
                  Object[].class)
              .setParameter(
                  "leaves", wanted.subList(from, Math.min(wanted.size(), from + MAX_IN_LIST)))
              .getResultList();
      for (Object[] row : found) {
        rows.put((Long) row[0], row);
      }
    }
    Map<Node, byte[]> hashes = new HashMap<>();
    for (Node node : nodes) {
      Object[] row = rows.get(node.lastLeaf());
      if (row == null) {
        throw new MissingNodeException(node);
      }
      if (node.level() == 0) {
        hashes.put(node, (byte[]) row[1]);
      } else {
        byte[] subtrees = (byte[]) row[2];
        int from = (node.level() - 1) * TreeHashes.SIZE;
        if (subtrees.length < from + TreeHashes.SIZE) {
          throw new MissingNodeException(node);
        }
        hashes.put(node, Arrays.copyOfRange(subtrees, from, from + TreeHashes.SIZE));
      }
    }
    return hashes;
  }

  /** The entry at {@code leafIndex}. */
  public Optional<EntryEntity> byIndex(long leafIndex) {
    return Optional.ofNullable(entityManager.find(EntryEntity.class, leafIndex));
  }

  /**
   * The entry of event {@code eventId} from {@code source}, or, with no source, the first one
   * recorded with that id (producers of several sources may use one id; the log keeps each).
   */
  public Optional<EntryEntity> byEventId(String eventId, String source) {
    TypedQuery<EntryEntity> query =
        entityManager
            .createQuery(
                "from EntryEntity e where e.eventId = :id"
                    + (source == null ? "" : " and e.source = :source")
                    + " order by e.leafIndex",
                EntryEntity.class)
            .setParameter("id", eventId)
            .setMaxResults(1);
    if (source != null) {
      query.setParameter("source", source);
    }
    return query.getResultStream().findFirst();
  }

  /**
   * A page of a rotation's entries, in log order: at most {@code limit} of them after skipping the
   * first {@code offset}. A rotation's new entries get higher leaf indexes, so pages read in turn
   * neither skip nor repeat an entry.
   */
  public List<EntryEntity> ofRotation(String rotationId, int offset, int limit) {
    return entityManager
        .createQuery(
            "from EntryEntity e where e.rotationId = :rotation order by e.leafIndex",
            EntryEntity.class)
        .setParameter("rotation", rotationId)
        .setFirstResult(offset)
        .setMaxResults(limit)
        .getResultList();
  }

  /** A target's entries that belong to no rotation (cadence reminders), in log order. */
  public List<EntryEntity> ofSubjectOutsideRotations(String subject, int limit) {
    return entityManager
        .createQuery(
            "from EntryEntity e where e.subject = :subject and e.rotationId is null"
                + " order by e.leafIndex desc",
            EntryEntity.class)
        .setParameter("subject", subject)
        .setMaxResults(limit)
        .getResultList();
  }

  /** Whether an entry at or after {@code leafIndex} is anything but the ledger's own checkpoint. */
  public boolean hasEntriesOtherThan(String eventType, long fromIndex) {
    return !entityManager
        .createQuery(
            "select e.leafIndex from EntryEntity e where e.leafIndex >= :from"
                + " and e.eventType <> :type",
            Long.class)
        .setParameter("from", fromIndex)
        .setParameter("type", eventType)
        .setMaxResults(1)
        .getResultList()
        .isEmpty();
  }

  /** How many entries at or after {@code leafIndex} are of another type than {@code eventType}. */
  public long countOtherThan(String eventType, long fromIndex) {
    return entityManager
        .createQuery(
            "select count(e) from EntryEntity e where e.leafIndex >= :from"
                + " and e.eventType <> :type",
            Long.class)
        .setParameter("from", fromIndex)
        .setParameter("type", eventType)
        .getSingleResult();
  }
}
