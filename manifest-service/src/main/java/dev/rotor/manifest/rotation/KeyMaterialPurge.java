package dev.rotor.manifest.rotation;

import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.manifest.config.ManifestServiceConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Drops the sealed key from rotations that ended or completed at least {@code key-material.keep}
 * ago, so that the database does not keep every past key sealed: a dump of it together with the
 * manifest-service's age identity or a cluster's sealing key, stolen later, would open them all.
 * {@code key_event} keeps the event's public fields only ({@link #KEPT_FIELDS}: ids, requester, key
 * id, fingerprint, time, plan; not {@code sealed} nor {@code escrow}, nor any field added later),
 * and {@code key_material_purged_at} says when. Every other column stays.
 *
 * <p>Purged are rotations that ended ({@link RotationStatus#ROLLED_BACK}, {@link
 * RotationStatus#FAILED}, by {@code ended_at}) and merged rotations the verifier reported completed
 * ({@link RotationStatus#MERGED} with {@code completed_at}, recorded from {@code
 * rotation.completed}; or merged {@value #UNSEEN_COMPLETION_GRACE_DAYS} days more ago when no
 * completion was seen), each only when the worker will not take it up now (no {@code
 * next_attempt_at}, no live lease). A rotation that is proposing, proposed, or merged and not
 * completed never is. Safe because nothing reads the sealed key once the new key is in Git and
 * rolled out: the worker decodes the whole {@code key_event} only to propose, review and merge; a
 * rollback of a completed rotation (a person may still ask for one) reads the public fields only
 * ({@link RotationRecord#keyFacts}); an ended rotation it finds due is set aside without it; a
 * redelivered {@code key.generated} is recognised by {@code key_event_id} (and its insert does
 * nothing, so it does not bring the key back); and inputs, webhooks and gauges read the status, the
 * target and the change request. The escrow copy stays in the ledger (docs/manifest-service.md,
 * "Key material retention").
 *
 * <p>Runs every {@code key-material.purge-interval}, the first time at start-up, in batches of
 * {@value BatchedPurge#DEFAULT_BATCH_SIZE} rows per transaction.
 */
@ApplicationScoped
public class KeyMaterialPurge {
  private static final Logger LOG = Logger.getLogger(KeyMaterialPurge.class);

  /** The fields of {@code key.generated} a purged row keeps: none of them is key material. */
  static final String KEPT_FIELDS =
      "'rotationId', 'targetId', 'plan', 'requestedBy', 'keyId', 'fingerprint', 'generatedAt'";

  /**
   * Days beyond {@code key-material.keep} after which a merged rotation whose completion was never
   * seen loses its key too: one completed before this version, or while an older instance ran, or
   * never (a stage left inconclusive). Longer than a maintenance window holds a stage (a month),
   * though nothing reads the sealed key after the merge anyway: the agents read it from Git.
   */
  static final int UNSEEN_COMPLETION_GRACE_DAYS = 30;

  // The statuses are named, not derived from isOpen(): a status added later is kept until it is
  // known to be terminal.
  private static final String UPDATE =
      BatchedPurge.updateSql(
          "rotation",
          "rotation_id",
          // json, not jsonb: jsonb would write a number like 1.0E40 out in full, longer than the
          // event codec reads back.
          "key_event = (select coalesce(json_object_agg(f.key, f.value), '{}'::json)::text from"
              + " json_each(key_event::json) f where f.key in ("
              + KEPT_FIELDS
              + ")), key_material_purged_at = :now",
          "((status in ('"
              + RotationStatus.ROLLED_BACK.name()
              + "', '"
              + RotationStatus.FAILED.name()
              + "') and ended_at is not null and ended_at < :before) or (status = '"
              + RotationStatus.MERGED.name()
              + "' and (completed_at < :before or (completed_at is null and merged_at <"
              + " :unseenBefore)))) and"
              + " key_material_purged_at is null and next_attempt_at is null and (lease_until is"
              + " null or lease_until < :now)");

  @Inject Clock clock;
  @Inject ManifestServiceConfig config;
  @Inject ManifestMetrics metrics;
  @Inject EntityManager em;

  @Scheduled(
      identity = "rotor-manifest-service-key-material-purge",
      every = "${rotor.manifest-service.key-material.purge-interval}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
      skipExecutionIf = Scheduled.ApplicationNotRunning.class)
  void scheduled() {
    purge();
  }

  /**
   * Drops the sealed key of the rotations that ended, or completed, before {@code
   * key-material.keep} ago by the clock; how many.
   */
  public long purge() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Instant before = now.minus(config.keyMaterial().keep());
    long purged =
        Purges.run(
            em,
            UPDATE,
            Map.of(
                "before",
                before,
                "unseenBefore",
                before.minus(Duration.ofDays(UNSEEN_COMPLETION_GRACE_DAYS)),
                "now",
                now));
    if (purged > 0) {
      metrics.keyMaterialPurged(purged);
      LOG.infof(
          "ROTOR-2093 purged the sealed key of %d rotation(s) that ended or completed before %s"
              + " (key-material.keep %s); their other fields stay",
          purged, before, config.keyMaterial().keep());
    }
    return purged;
  }
}
