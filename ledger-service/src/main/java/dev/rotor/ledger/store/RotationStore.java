package dev.rotor.ledger.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.ledger.rotation.RotationProjection;
import dev.rotor.ledger.rotation.RotationRecord;
import dev.rotor.ledger.rotation.RotationState;
import dev.rotor.ledger.rotation.RotationStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The rotations projection: folded in the same transaction as the entries it comes from. */
@ApplicationScoped
public class RotationStore {
  /** Records written by a newer version (more fields) still read. */
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  @Inject EntityManager entityManager;

  /** An event of a rotation and the entry that holds it. */
  public record Recorded(long leafIndex, EventEnvelope event) {}

  /** Folds newly appended entries (in log order) into their rotations' records. */
  public void apply(List<Recorded> appended) {
    Map<String, List<Recorded>> byRotation = new LinkedHashMap<>();
    for (Recorded recorded : appended) {
      if (recorded.event().rotationId() != null) {
        byRotation
            .computeIfAbsent(recorded.event().rotationId(), id -> new ArrayList<>())
            .add(recorded);
      }
    }
    if (byRotation.isEmpty()) {
      return;
    }
    Map<String, RotationEntity> existing = new HashMap<>();
    entityManager
        .createQuery("from RotationEntity r where r.rotationId in :ids", RotationEntity.class)
        .setParameter("ids", byRotation.keySet())
        .getResultList()
        .forEach(entity -> existing.put(entity.rotationId, entity));
    for (Map.Entry<String, List<Recorded>> rotation : byRotation.entrySet()) {
      RotationEntity entity = existing.get(rotation.getKey());
      RotationRecord record = entity == null ? null : read(entity.record);
      for (Recorded recorded : rotation.getValue()) {
        record = RotationProjection.apply(record, recorded.leafIndex(), recorded.event());
      }
      if (entity == null) {
        entity = new RotationEntity();
        entity.rotationId = record.rotationId();
        fill(entity, record);
        entityManager.persist(entity);
      } else {
        fill(entity, record);
      }
    }
  }

  /** The record of a rotation. */
  public Optional<RotationRecord> byId(String rotationId) {
    return Optional.ofNullable(entityManager.find(RotationEntity.class, rotationId))
        .map(entity -> read(entity.record));
  }

  /**
   * Records newest first, filtered by target, status and state when given (each filter that is
   * given must hold). The database filters and pages, so a record past any number of others that do
   * not match is found.
   */
  public List<RotationRecord> list(
      String targetId, RotationStatus status, RotationState state, int offset, int limit) {
    StringBuilder query = new StringBuilder("from RotationEntity r where 1 = 1");
    if (targetId != null) {
      query.append(" and r.targetId = :target");
    }
    if (status != null) {
      query.append(" and r.status = :status");
    }
    if (state != null) {
      query.append(" and r.status in :states");
    }
    query.append(" order by r.startedAt desc, r.rotationId");
    TypedQuery<RotationEntity> typed =
        entityManager.createQuery(query.toString(), RotationEntity.class);
    if (targetId != null) {
      typed.setParameter("target", targetId);
    }
    if (status != null) {
      typed.setParameter("status", status.name());
    }
    if (state != null) {
      typed.setParameter("states", state.statuses().stream().map(Enum::name).toList());
    }
    return typed.setFirstResult(offset).setMaxResults(limit).getResultList().stream()
        .map(entity -> read(entity.record))
        .toList();
  }

  /**
   * How many records there are of each status (every status, zero included), of one target when
   * given: one grouped count in the database, no record read.
   */
  public Map<RotationStatus, Long> countByStatus(String targetId) {
    String query =
        "select r.status, count(r) from RotationEntity r"
            + (targetId == null ? "" : " where r.targetId = :target")
            + " group by r.status";
    TypedQuery<Object[]> typed = entityManager.createQuery(query, Object[].class);
    if (targetId != null) {
      typed.setParameter("target", targetId);
    }
    Map<RotationStatus, Long> counts = new EnumMap<>(RotationStatus.class);
    for (RotationStatus status : RotationStatus.values()) {
      counts.put(status, 0L);
    }
    for (Object[] row : typed.getResultList()) {
      counts.put(RotationStatus.valueOf((String) row[0]), ((Number) row[1]).longValue());
    }
    return counts;
  }

  static void fill(RotationEntity entity, RotationRecord record) {
    entity.targetId = record.targetId();
    entity.status = record.status().name();
    entity.startedAt = record.startedAt();
    entity.updatedAt = record.updatedAt();
    entity.lastEntry = record.lastEntry();
    entity.record = write(record);
  }

  private static String write(RotationRecord record) {
    try {
      return JSON.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the record of a rotation", e);
    }
  }

  /** A record as stored in the rotations table's {@code record} column. */
  public static RotationRecord read(String json) {
    try {
      return JSON.readValue(json, RotationRecord.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read the stored record of a rotation", e);
    }
  }
}
