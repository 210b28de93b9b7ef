package dev.rotor.manifest.rotation;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.manifest.git.ManifestChanges;
import dev.rotor.manifest.review.ChangeRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The manifest-service's database access. Every write that ends a step also writes the events it
 * causes into the outbox and releases the rotation's lease, in one transaction.
 */
@ApplicationScoped
public class RotationStore {
  @Inject EntityManager em;

  /**
   * Records a new rotation from its key.generated event.
   *
   * @return false when the rotation (or this event) is known already
   */
  @Transactional
  public boolean create(EventEnvelope event, KeyGenerated key, Instant now) {
    TraceContext.Stored trace = TraceContext.current();
    int inserted =
        em.createNativeQuery(
                "insert into rotation (rotation_id, target_id, status, key_event_id, key_event,"
                    + " requested_by, key_id, fingerprint, provider, attempts, next_attempt_at,"
                    + " input_version, created_at, updated_at, traceparent, tracestate) values"
                    + " (:id, :target, :status, :eventId, :data, :requestedBy, :keyId,"
                    + " :fingerprint, :provider, 0, :now, 0, :now, :now, cast(:traceparent as"
                    + " varchar), cast(:tracestate as varchar)) on conflict do nothing")
            .setParameter("id", key.rotationId())
            .setParameter("target", key.targetId())
            .setParameter("status", RotationStatus.PROPOSING.name())
            .setParameter("eventId", event.id())
            .setParameter("data", new String(EventCodec.encode(key), StandardCharsets.UTF_8))
            .setParameter("requestedBy", key.requestedBy())
            .setParameter("keyId", key.keyId())
            .setParameter("fingerprint", key.fingerprint())
            .setParameter("provider", key.plan().approvals().provider().id())
            .setParameter("now", now)
            .setParameter("traceparent", trace == null ? null : trace.traceparent())
            .setParameter("tracestate", trace == null ? null : trace.tracestate())
            .executeUpdate();
    return inserted == 1;
  }

  @Transactional
  public Optional<RotationRecord> find(String rotationId) {
    return RotationRecord.findByIdOptional(rotationId);
  }

  /**
   * Records an approval, a rejection or a rollback trigger; {@code phase} and {@code reason} are a
   * {@code rollout.failed}'s, null for every other input.
   *
   * @return false when this event was recorded before
   */
  @Transactional
  public boolean recordInput(
      String eventId,
      String rotationId,
      String targetId,
      InputKind kind,
      String actor,
      boolean force,
      String cluster,
      String detail,
      Phase phase,
      Reasons.Rollout reason,
      Instant now) {
    int inserted =
        em.createNativeQuery(
                "insert into rotation_input (event_id, rotation_id, target_id, kind, actor, force,"
                    + " cluster, detail, phase, reason, received_at) values (:eventId,"
                    + " :rotationId, :target, :kind, :actor, :force, :cluster, :detail,"
                    + " cast(:phase as varchar), cast(:reason as varchar), :now) on conflict do"
                    + " nothing")
            .setParameter("eventId", eventId)
            .setParameter("rotationId", rotationId)
            .setParameter("target", targetId)
            .setParameter("kind", kind.name())
            .setParameter("actor", actor)
            .setParameter("force", force)
            .setParameter("cluster", cluster)
            .setParameter("detail", truncate(detail, 2000))
            .setParameter("phase", phase == null ? null : phase.name())
            .setParameter("reason", reason == null ? null : reason.name())
            .setParameter("now", now)
            .executeUpdate();
    return inserted == 1;
  }

  /**
   * Records that the verifier reported the rotation completed: only for a {@link
   * RotationStatus#MERGED} rotation of {@code targetId} with {@code fingerprint} whose completion
   * was not recorded yet (the first one stays: a redelivery, or a second report, changes nothing).
   * Neither the status nor anything the worker reads changes, and the rotation is not woken: a
   * person may still roll it back.
   *
   * @return false when nothing was recorded
   */
  @Transactional
  public boolean recordCompletion(
      String rotationId, String targetId, String fingerprint, String eventId, Instant now) {
    return em.createNativeQuery(
                "update rotation set completed_at = :now, completed_event_id = :eventId where"
                    + " rotation_id = :id and target_id = :target and fingerprint = :fingerprint"
                    + " and status = :merged and completed_at is null")
            .setParameter("now", now)
            .setParameter("eventId", eventId)
            .setParameter("id", rotationId)
            .setParameter("target", targetId)
            .setParameter("fingerprint", fingerprint)
            .setParameter("merged", RotationStatus.MERGED.name())
            .executeUpdate()
        == 1;
  }

  /** Records that a rollout of the rotation started on a cluster. */
  @Transactional
  public boolean recordCluster(String rotationId, String cluster, String eventId, Instant now) {
    return em.createNativeQuery(
                "insert into applied_cluster (rotation_id, cluster, event_id, seen_at) values"
                    + " (:rotationId, :cluster, :eventId, :now) on conflict do nothing")
            .setParameter("rotationId", rotationId)
            .setParameter("cluster", cluster)
            .setParameter("eventId", eventId)
            .setParameter("now", now)
            .executeUpdate()
        == 1;
  }

  /** Makes an open rotation due now, and notes that its inputs changed. */
  @Transactional
  public boolean wake(String rotationId, Instant now) {
    // The step this wakes continues the trace of the event that woke it, if it has one.
    TraceContext.Stored trace = TraceContext.current();
    return em.createNativeQuery(
                "update rotation set input_version = input_version + 1, next_attempt_at = :now,"
                    + " updated_at = :now, traceparent = coalesce(cast(:traceparent as varchar),"
                    + " traceparent), tracestate = case when cast(:traceparent as varchar) is null"
                    + " then tracestate else cast(:tracestate as varchar) end where rotation_id ="
                    + " :id and status in ('PROPOSING', 'PROPOSED', 'MERGED')")
            .setParameter("id", rotationId)
            .setParameter("now", now)
            .setParameter("traceparent", trace == null ? null : trace.traceparent())
            .setParameter("tracestate", trace == null ? null : trace.tracestate())
            .executeUpdate()
        == 1;
  }

  /** Takes the lease of the rotation due soonest, if any is due and free. */
  @Transactional
  public Optional<String> claimDue(Instant now, String owner, Duration lease) {
    @SuppressWarnings("unchecked")
    List<Object> ids =
        em.createNativeQuery(
                "update rotation set lease_owner = :owner, lease_until = :until where rotation_id"
                    + " = (select rotation_id from rotation where next_attempt_at <= :now and"
                    + " (lease_until is null or lease_until < :now) order by next_attempt_at"
                    + " limit 1 for update skip locked) returning rotation_id")
            .setParameter("owner", owner)
            .setParameter("until", now.plus(lease))
            .setParameter("now", now)
            .getResultList();
    return ids.stream().findFirst().map(Object::toString);
  }

  /**
   * Takes the leases of up to {@code limit} due and free rotations: those waiting for a review, a
   * merge or a rollback first (cluster-agents wait for them), then proposals, each group the one
   * due soonest first.
   */
  @Transactional
  public List<RotationRecord> claimDueBatch(Instant now, String owner, Duration lease, int limit) {
    @SuppressWarnings("unchecked")
    List<Object> ids =
        em.createNativeQuery(
                "update rotation set lease_owner = :owner, lease_until = :until where rotation_id"
                    + " in (select rotation_id from rotation where next_attempt_at <= :now and"
                    + " (lease_until is null or lease_until < :now) order by case status when"
                    + " 'PROPOSING' then 1 else 0 end, next_attempt_at limit :limit for update skip"
                    + " locked) returning rotation_id")
            .setParameter("owner", owner)
            .setParameter("until", now.plus(lease))
            .setParameter("now", now)
            .setParameter("limit", limit)
            .getResultList();
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> claimed = ids.stream().map(Object::toString).toList();
    return RotationRecord.<RotationRecord>list("rotationId in ?1", claimed).stream()
        .sorted(
            java.util.Comparator.comparing(
                    (RotationRecord r) -> r.status == RotationStatus.PROPOSING)
                .thenComparing(
                    r -> r.nextAttemptAt, java.util.Comparator.nullsLast(Instant::compareTo)))
        .toList();
  }

  /**
   * Extends to {@code until} the leases {@code owner} still holds on {@code rotationIds} (a step
   * that ended released its lease already); the number extended.
   */
  @Transactional
  public int renewLeases(String owner, java.util.Collection<String> rotationIds, Instant until) {
    if (rotationIds.isEmpty()) {
      return 0;
    }
    return em.createQuery(
            "update RotationRecord r set r.leaseUntil = :until where r.leaseOwner = :owner and"
                + " r.rotationId in :ids")
        .setParameter("until", until)
        .setParameter("owner", owner)
        .setParameter("ids", rotationIds)
        .executeUpdate();
  }

  /** The inputs of a rotation, in the order they arrived; inputs naming another target are not. */
  @Transactional
  public List<RotationInputRecord> inputs(String rotationId, String targetId) {
    return RotationInputRecord.list(
        "rotationId = ?1 and targetId = ?2 order by seq", rotationId, targetId);
  }

  @Transactional
  public List<String> appliedClusters(String rotationId) {
    @SuppressWarnings("unchecked")
    List<Object> clusters =
        em.createNativeQuery(
                "select cluster from applied_cluster where rotation_id = :id order by seen_at,"
                    + " cluster")
            .setParameter("id", rotationId)
            .getResultList();
    return clusters.stream().map(Object::toString).toList();
  }

  /** The rotation whose change request is pull request {@code number} of {@code repo}. */
  @Transactional
  public Optional<String> rotationForChangeRequest(String repo, int number) {
    return RotationRecord.<RotationRecord>find(
            "changeRequestRepo = ?1 and changeRequestNumber = ?2", repo, number)
        .firstResultOptional()
        .map(r -> r.rotationId);
  }

  /**
   * Runs {@code writes} (calls of this store's recording methods) in one transaction: a batch's
   * outcomes cost one commit instead of one each. All or nothing: if one fails, none is recorded.
   */
  @Transactional
  public void inOneTransaction(List<Runnable> writes) {
    writes.forEach(Runnable::run);
  }

  /** The proposal is on its branch: PROPOSED, due now so the review is looked at. */
  @Transactional
  public void proposed(
      String rotationId,
      ManifestChanges.Proposal proposal,
      ChangeRequest changeRequest,
      EventEnvelope event,
      Instant now) {
    RotationRecord r = locked(rotationId);
    r.status = RotationStatus.PROPOSED;
    r.branch = proposal.branch();
    r.baseCommit = proposal.baseCommit();
    r.distributeCommit = proposal.distributeCommit();
    r.promoteCommit = proposal.promoteCommit();
    r.previousKeyId = proposal.previousKeyId();
    r.changeRequestRepo = changeRequest.repository();
    r.changeRequestNumber = changeRequest.number();
    r.changeRequestUrl = changeRequest.url();
    r.proposedAt = now;
    r.nextAttemptAt = now;
    done(r, now);
    outbox(event, now);
  }

  /** The change is on the default branch. */
  @Transactional
  public void merged(
      String rotationId,
      ManifestChanges.Merged merged,
      List<String> approvers,
      boolean forced,
      EventEnvelope event,
      long seenInputs,
      Instant now) {
    RotationRecord r = locked(rotationId);
    r.status = RotationStatus.MERGED;
    r.mergedCommit = merged.mergeCommit();
    r.mergedDistributeCommit = merged.distributeCommit();
    r.mergedPromoteCommit = merged.promoteCommit();
    r.approvers = String.join("\n", approvers);
    r.forced = forced;
    r.mergedAt = now;
    // A rollback trigger that arrived meanwhile is looked at at once.
    r.nextAttemptAt = r.inputVersion != seenInputs ? now : null;
    done(r, now);
    outbox(event, now);
  }

  /** The rollback commit is on the default branch. */
  @Transactional
  public void rolledBack(
      String rotationId,
      String commit,
      List<String> clusters,
      String triggerEventId,
      EventEnvelope event,
      Instant now) {
    RotationRecord r = locked(rotationId);
    r.status = RotationStatus.ROLLED_BACK;
    r.rollbackCommit = commit;
    r.rollbackClusters = String.join("\n", clusters);
    r.rollbackEventId = triggerEventId;
    r.endedAt = now;
    r.nextAttemptAt = null;
    done(r, now);
    outbox(event, now);
  }

  /** The rotation ended with rotation.failed. */
  @Transactional
  public void failed(
      String rotationId,
      Reasons.RotationFailure reason,
      String message,
      EventEnvelope event,
      Instant now) {
    RotationRecord r = locked(rotationId);
    r.status = RotationStatus.FAILED;
    r.failureReason = reason.name();
    r.failureMessage = message;
    r.endedAt = now;
    r.nextAttemptAt = null;
    done(r, now);
    outbox(event, now);
  }

  /**
   * Nothing to do until {@code next} (null: until an input arrives). An input that arrived while
   * the step ran makes the rotation due at once.
   */
  @Transactional
  public void waitUntil(String rotationId, Instant next, long seenInputs, Instant now) {
    RotationRecord r = locked(rotationId);
    r.nextAttemptAt = r.inputVersion != seenInputs ? now : next;
    done(r, now);
  }

  /** The step failed for a transient reason: try again at {@code next}. */
  @Transactional
  public void retryAt(
      String rotationId, int attempts, Instant next, String error, long seenInputs, Instant now) {
    RotationRecord r = locked(rotationId);
    r.attempts = attempts;
    r.lastError = truncate(error, 2000);
    r.nextAttemptAt = next;
    r.leaseOwner = null;
    r.leaseUntil = null;
    r.updatedAt = now;
  }

  /** Events not yet acknowledged by Kafka and not quarantined, oldest first. */
  @Transactional
  public List<OutboxEntry> unsent(int limit) {
    return OutboxEntry.<OutboxEntry>find("sentAt is null and quarantinedAt is null order by id")
        .page(0, limit)
        .list();
  }

  /** Of {@code rotationIds}, those with a quarantined unsent event, with the oldest one's id. */
  @Transactional
  public Map<String, Long> firstQuarantined(Collection<String> rotationIds) {
    Map<String, Long> first = new HashMap<>();
    if (rotationIds.isEmpty()) {
      return first;
    }
    em.createQuery(
            "select rotationId, min(id) from OutboxEntry where rotationId in :ids and sentAt is"
                + " null and quarantinedAt is not null group by rotationId",
            Object[].class)
        .setParameter("ids", rotationIds)
        .getResultList()
        .forEach(row -> first.put((String) row[0], (Long) row[1]));
    return first;
  }

  /** Sets the event aside: it is not sent again until re-queued (docs/manifest-service.md). */
  @Transactional
  public void quarantine(long id, String reason, Instant now) {
    OutboxEntry entry = OutboxEntry.findById(id);
    if (entry != null && entry.sentAt == null) {
      entry.quarantinedAt = now;
      entry.quarantineReason = truncate(reason, 600);
    }
  }

  /**
   * Counts a failed send of the event, noting {@code now} as the first failure when it is; the
   * event with its failed sends in a row so far and the first one's time, or empty when it is gone.
   * One statement, so that it neither loses a count nor overwrites the time.
   */
  @Transactional
  public Optional<OutboxEntry> failedAttempt(long id, Instant now) {
    em.createQuery(
            "update OutboxEntry set attempts = attempts + 1, firstFailedAt = case when attempts ="
                + " 0 or firstFailedAt is null then :now else firstFailedAt end where id = :id")
        .setParameter("now", now)
        .setParameter("id", id)
        .executeUpdate();
    return Optional.ofNullable(em.find(OutboxEntry.class, id));
  }

  /** Marks the events sent, in one transaction. */
  @Transactional
  public void markSent(List<Long> ids, Instant now) {
    if (ids.isEmpty()) {
      return;
    }
    em.createQuery("update OutboxEntry set sentAt = :now where id in :ids and sentAt is null")
        .setParameter("now", now)
        .setParameter("ids", ids)
        .executeUpdate();
  }

  @Transactional
  public void markSent(long id, Instant now) {
    OutboxEntry entry = OutboxEntry.findById(id);
    if (entry != null) {
      entry.sentAt = now;
    }
  }

  /**
   * How many rotations are open (proposing, proposed, or merged and not completed yet), how many
   * events wait to be sent, and how many are quarantined. A merged rotation stays MERGED after it
   * completed (it may still be rolled back); counting it would make the gauge grow with every
   * rotation. One whose completion was never recorded (merged before this version) counts until its
   * key is purged.
   */
  @Transactional
  public long[] gauges() {
    long open =
        RotationRecord.count(
            "status in ?1 or (status = ?2 and completedAt is null and keyMaterialPurgedAt is null)",
            List.of(RotationStatus.PROPOSING, RotationStatus.PROPOSED),
            RotationStatus.MERGED);
    long unsent = OutboxEntry.count("sentAt is null and quarantinedAt is null");
    long quarantined = OutboxEntry.count("sentAt is null and quarantinedAt is not null");
    return new long[] {open, unsent, quarantined};
  }

  private RotationRecord locked(String rotationId) {
    RotationRecord r = em.find(RotationRecord.class, rotationId, LockModeType.PESSIMISTIC_WRITE);
    if (r == null) {
      throw new IllegalStateException("rotation " + rotationId + " is not in the database");
    }
    return r;
  }

  private static void done(RotationRecord r, Instant now) {
    r.attempts = 0;
    r.lastError = null;
    r.leaseOwner = null;
    r.leaseUntil = null;
    r.updatedAt = now;
  }

  private void outbox(EventEnvelope event, Instant now) {
    if (!OutboxEntry.holds(event.id())) {
      OutboxEntry.of(event, Topics.MANIFESTS, now).persist();
    }
  }

  private static String truncate(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max);
  }
}
