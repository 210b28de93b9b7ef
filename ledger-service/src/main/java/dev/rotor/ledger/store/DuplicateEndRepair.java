package dev.rotor.ledger.store;

import dev.rotor.common.event.Reasons;
import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.rotation.RotationProjection;
import dev.rotor.ledger.rotation.RotationRecord;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Puts right the rotation records that earlier versions ended with a {@code DUPLICATE} rejection.
 * That rejection answers another request that reused the rotation's id and ends nothing ({@link
 * dev.rotor.common.event.RotationRejected#answersAnotherRequest}), but records folded before said
 * {@code REJECTED} (or, not yet requested, {@code REJECTED} as their progress) with outcome {@code
 * DUPLICATE}, for good: the first end is final, so a later completion was not recorded either. Each
 * such record is folded again from its entries, in log order, as a verification does, and replaced.
 * Nothing else folds to outcome {@code DUPLICATE}, so a record put right is not selected again:
 * running this twice changes nothing. Entries are not touched: the rotations table is derived data.
 */
@ApplicationScoped
public class DuplicateEndRepair {
  private static final Logger LOG = Logger.getLogger(DuplicateEndRepair.class);
  private static final String DUPLICATE = Reasons.Rejection.DUPLICATE.name();
  private static final int PAGE = 1000;

  @Inject EntityManager entityManager;
  @Inject EntryStore entries;

  @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema", defaultValue = "ledger")
  String schema;

  /** Refolds every record ended by a {@code DUPLICATE} rejection; how many were rewritten. */
  public int run() {
    List<String> rotationIds;
    try {
      rotationIds = QuarkusTransaction.requiringNew().call(this::endedByDuplicate);
    } catch (RuntimeException e) {
      LOG.warnf(
          "ROTOR-5045 records ended by a DUPLICATE rejection could not be looked for (%s); they"
              + " stay as they are until the next start, and verification reports them",
          e.getClass().getSimpleName());
      return 0;
    }
    int rewritten = 0;
    for (String rotationId : rotationIds) {
      try {
        Optional<RotationRecord> refolded =
            QuarkusTransaction.requiringNew().call(() -> refold(rotationId));
        if (refolded.isPresent()) {
          rewritten++;
          LOG.infof(
              "ROTOR-5044 rotation %s: its record was ended by a DUPLICATE rejection, which"
                  + " answers another request that reused its id; folded again from its %d"
                  + " entries, it is %s",
              rotationId, refolded.get().entries(), refolded.get().status());
        }
      } catch (RuntimeException e) {
        LOG.warnf(
            "ROTOR-5045 rotation %s: its record, ended by a DUPLICATE rejection, could not be"
                + " folded again (%s); it stays as it is until the next start, and verification"
                + " reports it",
            rotationId, e.getClass().getSimpleName());
      }
    }
    return rewritten;
  }

  /** The rotations whose stored record has outcome DUPLICATE, in the order of their last entry. */
  private List<String> endedByDuplicate() {
    return entityManager
        .createNativeQuery(
            "SELECT rotation_id FROM "
                + schema
                + ".rotations WHERE status IN ('REJECTED', 'UNREQUESTED')"
                + " AND record ->> 'outcome' = ?1 ORDER BY last_entry",
            String.class)
        .setParameter(1, DUPLICATE)
        .getResultList()
        .stream()
        .map(String.class::cast)
        .toList();
  }

  /**
   * The record folded again from the entries, if the stored one still says DUPLICATE. Under the
   * append lock, which the ingest holds while it folds, so no batch folds this rotation from the
   * old record meanwhile.
   */
  private Optional<RotationRecord> refold(String rotationId) {
    entries.lockForAppend();
    RotationEntity entity = entityManager.find(RotationEntity.class, rotationId);
    if (entity == null || !DUPLICATE.equals(RotationStore.read(entity.record).outcome())) {
      return Optional.empty();
    }
    RotationRecord rebuilt = null;
    for (int offset = 0; ; offset += PAGE) {
      List<EntryEntity> page = entries.ofRotation(rotationId, offset, PAGE);
      for (EntryEntity entry : page) {
        rebuilt =
            RotationProjection.apply(
                rebuilt, entry.leafIndex, CanonicalEvent.event(entry.canonical));
        entityManager.detach(entry);
      }
      if (page.size() < PAGE) {
        break;
      }
    }
    if (rebuilt == null) {
      return Optional.empty();
    }
    RotationStore.fill(entity, rebuilt);
    return Optional.of(rebuilt);
  }
}
