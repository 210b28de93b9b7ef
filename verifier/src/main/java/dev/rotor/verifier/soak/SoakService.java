package dev.rotor.verifier.soak;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.StageVerdict;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.event.VerificationStarted;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import dev.rotor.verifier.VerifierMetrics;
import dev.rotor.verifier.config.VerifierConfig;
import dev.rotor.verifier.events.EventRefused;
import dev.rotor.verifier.events.Outbox;
import dev.rotor.verifier.store.ProcessedEvent;
import dev.rotor.verifier.store.RolloutCompletionRecord;
import dev.rotor.verifier.store.RolloutStartRecord;
import dev.rotor.verifier.store.RotationRecord;
import dev.rotor.verifier.store.SoakKind;
import dev.rotor.verifier.store.SoakRecord;
import dev.rotor.verifier.store.SoakStatus;
import dev.rotor.verifier.store.VerdictRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Everything that changes the verifier's state, each in one transaction with the events it causes
 * (written to the {@link Outbox}): soaks start on {@code rollout.completed} (promote) and {@code
 * rollback.completed}, rounds of checks are recorded, verdicts decided once, inconclusive stages
 * forced by a person, and the rotation completed or rolled back.
 *
 * <p>Every event is processed once (its id in {@code processed_event}); every event caused by
 * another has an id derived from the cause's, and every verdict is unique per rotation, cluster,
 * kind and verdict, so neither a redelivery nor a restart decides anything twice.
 */
@ApplicationScoped
public class SoakService {
  static final String SOURCE = Sources.of("verifier");
  private static final Logger LOG = Logger.getLogger(SoakService.class);
  private static final String COMPLETED = "COMPLETED";
  private static final String ROLLED_BACK = "ROLLED_BACK";
  private static final String FAILED = "FAILED";

  @Inject Clock clock;
  @Inject Outbox outbox;
  @Inject VerifierConfig config;
  @Inject VerifierMetrics metrics;

  // ---- rotor.rollouts

  /** Records when a phase started on a cluster: the baseline ends there, pods must start after. */
  @Transactional
  public void rolloutStarted(EventEnvelope event, RolloutStarted started) {
    if (!firstTime(event)) {
      return;
    }
    if (RolloutStartRecord.startOf(started.rotationId(), started.cluster(), started.phase().id())
        .isEmpty()) {
      RolloutStartRecord record = new RolloutStartRecord();
      record.rotationId = started.rotationId();
      record.cluster = started.cluster();
      record.phase = started.phase().id();
      record.startedAt = event.time();
      record.eventId = event.id();
      record.persist();
    }
  }

  /**
   * Records that a phase completed on a cluster (the new key reached its Secret); starts the soak
   * of a stage after its promote rollout, and says so (verification.started).
   */
  @Transactional
  public void rolloutCompleted(EventEnvelope event, RolloutCompleted done) {
    if (!firstTime(event)) {
      return;
    }
    // Recorded whatever follows (also a promote that finished after the rollback was committed):
    // a rollback check requires the new key only where it reached the Secret.
    if (!RolloutCompletionRecord.completed(done.rotationId(), done.cluster(), done.phase().id())) {
      RolloutCompletionRecord record = new RolloutCompletionRecord();
      record.rotationId = done.rotationId();
      record.cluster = done.cluster();
      record.phase = done.phase().id();
      record.completedAt = done.completedAt();
      record.eventId = event.id();
      record.persist();
    }
    if (done.phase() != Phase.PROMOTE) {
      LOG.debugf(
          "ROTOR-4016 %s of %s on %s: phase %s is not soaked (the promote rollout is)",
          event.id(), done.rotationId(), done.cluster(), done.phase().id());
      return;
    }
    Plan plan = done.plan();
    int index = stageIndex(plan, done.cluster());
    Instant now = now();
    RotationRecord rotation = RotationRecord.getOrCreate(done.rotationId(), done.targetId(), now);
    rememberPlan(rotation, plan, now);
    if (rotation.outcome != null) {
      LOG.infof(
          "ROTOR-4015 rotation %s ended already (%s): no soak on %s",
          done.rotationId(), rotation.outcome, done.cluster());
      return;
    }
    if (rotation.rollbackCommit != null) {
      // A promote that finished after the rollback was committed (a person's rollback during the
      // phase): soaking it could pass a stage, or complete a rotation, that is rolled back.
      LOG.warnf(
          "ROTOR-4017 rotation %s is being rolled back (commit %s): the promote on %s that"
              + " finished after it is not soaked",
          done.rotationId(), rotation.rollbackCommit, done.cluster());
      return;
    }
    if (rollbackKnown(done.rotationId())) {
      // A cluster rolled back already (its rollback.completed was read, rotor.rollouts only: the
      // rollback commit on rotor.manifests may come later): soaking a promote now could pass a
      // stage, or complete a rotation, that is being rolled back.
      LOG.warnf(
          "ROTOR-4017 rotation %s is being rolled back (a cluster's rollback completed): the"
              + " promote on %s is not soaked",
          done.rotationId(), done.cluster());
      return;
    }
    if (soakOf(done.rotationId(), done.cluster(), SoakKind.STAGE).isPresent()) {
      LOG.infof(
          "ROTOR-4014 rotation %s is soaked on %s already; %s changes nothing",
          done.rotationId(), done.cluster(), event.id());
      return;
    }
    Stage stage = plan.stages().get(index);
    SoakRecord soak =
        newSoak(
            event,
            SoakKind.STAGE,
            plan,
            index,
            done.cluster(),
            done.commit(),
            done.observedFingerprint(),
            done.observedPrimaryKeyId(),
            done.pods(),
            done.completedAt(),
            stage.soak(),
            stage.thresholds().interval());
    soak.persist();
    outbox.add(
        EventEnvelope.causedBy(
            event.id(),
            new VerificationStarted(
                done.rotationId(), done.targetId(), plan, done.cluster(), soak.soakEndsAt),
            SOURCE,
            clock));
    LOG.infof(
        "ROTOR-4010 soaking %s on %s for rotation %s until %s, a check every %s",
        done.targetId(),
        done.cluster(),
        done.rotationId(),
        soak.soakEndsAt,
        stage.thresholds().interval());
  }

  /** Starts the short check of a cluster that rolled back; stops the rotation's soaks. */
  @Transactional
  public void rollbackCompleted(EventEnvelope event, RollbackCompleted done) {
    if (!firstTime(event)) {
      return;
    }
    Plan plan = done.plan();
    int index = stageIndex(plan, done.cluster());
    Instant now = now();
    RotationRecord rotation = RotationRecord.getOrCreate(done.rotationId(), done.targetId(), now);
    rememberPlan(rotation, plan, now);
    if (rotation.outcome != null) {
      LOG.infof(
          "ROTOR-4015 rotation %s ended already (%s): the rollback of %s is not checked",
          done.rotationId(), rotation.outcome, done.cluster());
      return;
    }
    cancelSoaks(done.rotationId(), "the rotation is rolled back");
    if (soakOf(done.rotationId(), done.cluster(), SoakKind.ROLLBACK).isPresent()) {
      LOG.infof(
          "ROTOR-4014 the rollback of %s on %s is checked already; %s changes nothing",
          done.rotationId(), done.cluster(), event.id());
      return;
    }
    if (!newKeyReached(done.rotationId(), done.cluster())) {
      LOG.infof(
          "ROTOR-4036 no distribute of rotation %s completed on %s: its rollback is checked"
              + " without requiring the new key in the Secret (the rollback may have removed it)",
          done.rotationId(), done.cluster());
    }
    SoakRecord soak =
        newSoak(
            event,
            SoakKind.ROLLBACK,
            plan,
            index,
            done.cluster(),
            done.commit(),
            null,
            done.observedPrimaryKeyId(),
            done.pods(),
            done.completedAt(),
            config.rollback().checkDuration(),
            config.rollback().interval());
    soak.persist();
    LOG.infof(
        "ROTOR-4030 checking the rollback of %s on %s (rotation %s) until %s",
        done.targetId(), done.cluster(), done.rotationId(), soak.soakEndsAt);
  }

  /** A cluster could not roll back: the rotation failed, and people must act. */
  @Transactional
  public void rollbackFailed(EventEnvelope event, RollbackFailed failed) {
    if (!firstTime(event)) {
      return;
    }
    RotationRecord rotation =
        RotationRecord.getOrCreate(failed.rotationId(), failed.targetId(), now());
    rememberPlan(rotation, failed.plan(), now());
    cancelSoaks(failed.rotationId(), "the rollback failed");
    failRotation(
        rotation,
        failed.plan(),
        "cluster "
            + failed.cluster()
            + " could not roll back ("
            + failed.reason()
            + "): "
            + failed.message()
            + ". People must act: the cluster may still run the new key as primary",
        event.id());
  }

  // ---- rotor.keys and rotor.manifests

  @Transactional
  public void keyGenerated(EventEnvelope event, KeyGenerated key) {
    if (!firstTime(event)) {
      return;
    }
    RotationRecord rotation = RotationRecord.getOrCreate(key.rotationId(), key.targetId(), now());
    rotation.requestedBy = key.requestedBy();
    rotation.keyId = key.keyId();
    rotation.fingerprint = key.fingerprint();
    rememberPlan(rotation, key.plan(), now());
  }

  @Transactional
  public void manifestProposed(EventEnvelope event, ManifestProposed proposed) {
    if (!firstTime(event)) {
      return;
    }
    RotationRecord rotation =
        RotationRecord.getOrCreate(proposed.rotationId(), proposed.targetId(), now());
    rotation.previousKeyId = proposed.previousKeyId();
    rotation.fingerprint = proposed.fingerprint();
    rotation.keyId = proposed.fingerprint().substring(0, 8);
    rememberPlan(rotation, proposed.plan(), now());
  }

  @Transactional
  public void manifestApproved(EventEnvelope event, ManifestApproved approved) {
    if (!firstTime(event)) {
      return;
    }
    RotationRecord rotation =
        RotationRecord.getOrCreate(approved.rotationId(), approved.targetId(), now());
    rotation.fingerprint = approved.fingerprint();
    rotation.keyId = approved.fingerprint().substring(0, 8);
    rotation.mergeCommit = approved.mergeCommit();
    Set<String> approvers = new LinkedHashSet<>(StoredJson.strings(rotation.approvers));
    approvers.addAll(approved.approvers());
    rotation.approvers = StoredJson.write(List.copyOf(approvers));
    rememberPlan(rotation, approved.plan(), now());
  }

  /**
   * The rollback is committed: stops the rotation's soaks, and ends the rotation when every cluster
   * it names has rolled back (at once when it names none).
   */
  @Transactional
  public void manifestRolledBack(EventEnvelope event, ManifestRolledBack rolledBack) {
    if (!firstTime(event)) {
      return;
    }
    RotationRecord rotation =
        RotationRecord.getOrCreate(rolledBack.rotationId(), rolledBack.targetId(), now());
    rememberPlan(rotation, rolledBack.plan(), now());
    rotation.rollbackCommit = rolledBack.rollbackCommit();
    rotation.rollbackCause = rolledBack.cause();
    rotation.rollbackClusters = StoredJson.write(rolledBack.clusters());
    rotation.rollbackEventId = event.id();
    cancelSoaks(rolledBack.rotationId(), "the rotation is rolled back");
    completeRollback(rotation);
  }

  /** The manifest-service ended the rotation: nothing more to verify. */
  @Transactional
  public void rotationFailed(EventEnvelope event, RotationFailed failed) {
    if (!firstTime(event)) {
      return;
    }
    RotationRecord rotation =
        RotationRecord.getOrCreate(failed.rotationId(), failed.targetId(), now());
    cancelSoaks(failed.rotationId(), "the rotation failed: " + failed.reason());
    if (rotation.outcome == null) {
      rotation.outcome = FAILED;
      rotation.updatedAt = now();
    }
  }

  // ---- rotor.approvals

  /**
   * A person forces promotion past an inconclusive stage: the stage's verdict becomes FORCED and
   * {@code verification.passed} goes out, so the next stage may start.
   */
  @Transactional
  public void rotationApproved(EventEnvelope event, RotationApproved approved) {
    if (!firstTime(event)) {
      return;
    }
    if (!approved.force()) {
      LOG.debugf(
          "ROTOR-4002 %s of %s is an approval of the change, not a force: the manifest-service's",
          event.id(), approved.rotationId());
      return;
    }
    RotationRecord rotation = RotationRecord.findById(approved.rotationId());
    List<SoakRecord> waiting =
        SoakRecord.<SoakRecord>find(
                "rotationId = ?1 and kind = ?2 and status = ?3",
                approved.rotationId(),
                SoakKind.STAGE,
                SoakStatus.INCONCLUSIVE)
            .withLock(LockModeType.PESSIMISTIC_WRITE)
            .list();
    if (rotation == null
        || rotation.outcome != null
        || rotation.rollbackCommit != null
        || waiting.isEmpty()) {
      LOG.infof(
          "ROTOR-4024 %s forces rotation %s, but no stage of it is inconclusive: nothing to force",
          approved.approver(), approved.rotationId());
      return;
    }
    Set<String> approvers = new LinkedHashSet<>(StoredJson.strings(rotation.approvers));
    approvers.add(approved.approver());
    rotation.approvers = StoredJson.write(List.copyOf(approvers));
    Instant now = now();
    for (SoakRecord soak : waiting) {
      Plan plan = StoredJson.plan(soak.plan);
      List<Evidence> evidence = new ArrayList<>(StoredJson.evidence(soak.evidence));
      evidence.add(EvidenceWriter.forced(approved.approver(), approved.comment()));
      soak.status = SoakStatus.FORCED;
      soak.decidedAt = now;
      soak.evidence = StoredJson.write(evidence);
      String causeId = event.id() + "/" + soak.cluster;
      EventEnvelope passed =
          EventEnvelope.causedBy(
              causeId,
              new VerificationPassed(soak.rotationId, soak.targetId, plan, soak.cluster, evidence),
              SOURCE,
              clock);
      recordVerdict(soak, SoakStatus.FORCED.name(), passed.id(), now);
      outbox.add(passed);
      metrics.verdict(SoakKind.STAGE, "forced", null);
      LOG.infof(
          "ROTOR-4023 %s forced the inconclusive stage %s of rotation %s: promoted",
          approved.approver(), soak.cluster, soak.rotationId);
      completeIfLastStage(rotation, soak, plan, causeId);
    }
  }

  // ---- rounds of checks (SoakRunner)

  /** The ids of running soaks whose next round is due. */
  @Transactional
  public List<Long> due(Instant now) {
    return SoakRecord.getEntityManager()
        .createQuery(
            "select s.id from SoakRecord s where s.status = :status and s.nextCheckAt <= :now"
                + " order by s.nextCheckAt",
            Long.class)
        .setParameter("status", SoakStatus.RUNNING)
        .setParameter("now", now)
        .getResultList();
  }

  /** A running soak as a round of checks needs it; empty if it is no longer running. */
  @Transactional
  public Optional<SoakSnapshot> snapshot(long id) {
    SoakRecord soak = SoakRecord.findById(id);
    if (soak == null || soak.status != SoakStatus.RUNNING) {
      return Optional.empty();
    }
    RotationRecord rotation = RotationRecord.findById(soak.rotationId);
    String expected =
        rotation != null && rotation.fingerprint != null
            ? rotation.fingerprint
            : soak.claimedFingerprint;
    String newKeyId =
        rotation != null && rotation.keyId != null
            ? rotation.keyId
            : expected == null ? null : expected.substring(0, 8);
    List<PodStatus> pods = StoredJson.pods(soak.claimedPods);
    Instant earliestPod =
        pods.stream().map(PodStatus::startedAt).min(Comparator.naturalOrder()).orElse(null);
    String phase = soak.kind == SoakKind.STAGE ? Phase.PROMOTE.id() : Phase.ROLLBACK.id();
    Instant changed =
        RolloutStartRecord.startOf(soak.rotationId, soak.cluster, phase).orElse(earliestPod);
    Instant baselineEnd =
        RolloutStartRecord.startOf(soak.rotationId, soak.cluster, Phase.DISTRIBUTE.id())
            .or(() -> RolloutStartRecord.startOf(soak.rotationId, soak.cluster, Phase.PROMOTE.id()))
            .orElse(earliestPod != null ? earliestPod : soak.rolloutCompletedAt);
    boolean newKeyRequired =
        soak.kind == SoakKind.STAGE || newKeyReached(soak.rotationId, soak.cluster);
    return Optional.of(
        new SoakSnapshot(
            soak.id,
            soak.version,
            soak.rotationId,
            soak.cluster,
            soak.kind,
            StoredJson.plan(soak.plan),
            soak.stageIndex,
            soak.startedAt,
            soak.soakEndsAt,
            Duration.ofMillis(soak.intervalMillis),
            soak.claimedPrimaryKeyId,
            pods,
            StoredJson.progress(soak.progress),
            expected,
            newKeyId,
            rotation == null ? null : rotation.previousKeyId,
            newKeyRequired,
            baselineEnd,
            changed,
            soak.traceContext()));
  }

  /**
   * Records a round of checks of a running soak, and the verdict when it brought one. Nothing is
   * recorded when the soak changed since the snapshot (stopped, forced): the round is void.
   *
   * @return whether it was recorded
   */
  @Transactional
  public boolean recordRound(
      long id, long version, SoakProgress progress, Finding finding, SoakRules rules) {
    SoakRecord soak = SoakRecord.findById(id, LockModeType.PESSIMISTIC_WRITE);
    if (soak == null || soak.status != SoakStatus.RUNNING || soak.version != version) {
      return false;
    }
    soak.progress = StoredJson.write(progress);
    RotationRecord rotation = RotationRecord.getOrCreate(soak.rotationId, soak.targetId, now());
    if (progress.previousFingerprint != null && rotation.previousFingerprint == null) {
      rotation.previousFingerprint = progress.previousFingerprint;
    }
    if (finding == null) {
      soak.nextCheckAt = progress.nextMetricAt;
      return true;
    }
    decide(soak, rotation, progress, finding, rules);
    return true;
  }

  /** How many soaks run, and how many stages wait for a person. */
  @Transactional
  public Map<SoakKind, Long> running() {
    Map<SoakKind, Long> counts = new EnumMap<>(SoakKind.class);
    for (SoakKind kind : SoakKind.values()) {
      counts.put(kind, SoakRecord.count("status = ?1 and kind = ?2", SoakStatus.RUNNING, kind));
    }
    return counts;
  }

  /**
   * Stages inconclusive, waiting for a person. Only stage soaks: an inconclusive rollback check
   * failed its rotation (ROLLBACK_FAILED) and waits for nobody's decision.
   */
  @Transactional
  public long awaitingDecision() {
    return SoakRecord.count("status = ?1 and kind = ?2", SoakStatus.INCONCLUSIVE, SoakKind.STAGE);
  }

  // ---- decisions

  private void decide(
      SoakRecord soak,
      RotationRecord rotation,
      SoakProgress progress,
      Finding finding,
      SoakRules rules) {
    Instant now = now();
    Plan plan = StoredJson.plan(soak.plan);
    List<Evidence> evidence = EvidenceWriter.of(progress, rules);
    soak.status = finding.status();
    soak.reason = finding.reason() == null ? null : finding.reason().name();
    soak.message = finding.message();
    soak.evidence = StoredJson.write(evidence);
    soak.decidedAt = now;
    metrics.verdict(soak.kind, finding.status().name(), soak.reason);
    if (soak.kind == SoakKind.ROLLBACK) {
      decideRollback(soak, rotation, plan, finding, now);
      return;
    }
    RotorEvent data =
        switch (finding.status()) {
          case PASSED ->
              new VerificationPassed(soak.rotationId, soak.targetId, plan, soak.cluster, evidence);
          case FAILED ->
              new VerificationFailed(
                  soak.rotationId,
                  soak.targetId,
                  plan,
                  soak.cluster,
                  finding.reason(),
                  finding.message(),
                  evidence);
          case INCONCLUSIVE ->
              new VerificationInconclusive(
                  soak.rotationId, soak.targetId, plan, soak.cluster, finding.message(), evidence);
          default -> throw new IllegalStateException("not a verdict: " + finding.status());
        };
    EventEnvelope verdict = EventEnvelope.causedBy(soak.causeEventId, data, SOURCE, clock);
    recordVerdict(soak, finding.status().name(), verdict.id(), now);
    outbox.add(verdict);
    switch (finding.status()) {
      case PASSED ->
          LOG.infof(
              "ROTOR-4020 stage %s of rotation %s passed: %s",
              soak.cluster, soak.rotationId, finding.message());
      case FAILED ->
          LOG.warnf(
              "ROTOR-4021 stage %s of rotation %s failed (%s): %s",
              soak.cluster, soak.rotationId, finding.reason(), finding.message());
      default ->
          LOG.warnf(
              "ROTOR-4022 stage %s of rotation %s is inconclusive: %s",
              soak.cluster, soak.rotationId, finding.message());
    }
    if (finding.status() == SoakStatus.PASSED) {
      completeIfLastStage(rotation, soak, plan, soak.causeEventId);
    }
  }

  private void decideRollback(
      SoakRecord soak, RotationRecord rotation, Plan plan, Finding finding, Instant now) {
    if (finding.status() == SoakStatus.PASSED) {
      recordVerdict(soak, SoakStatus.PASSED.name(), "verdict:" + soak.id, now);
      LOG.infof(
          "ROTOR-4031 the rollback of rotation %s on %s is verified: %s",
          soak.rotationId, soak.cluster, finding.message());
      completeRollback(rotation);
      return;
    }
    recordVerdict(soak, SoakStatus.FAILED.name(), "verdict:" + soak.id, now);
    failRotation(
        rotation,
        plan,
        "the rollback of "
            + soak.cluster
            + " could not be verified"
            + (finding.reason() == null ? "" : " (" + finding.reason() + ")")
            + ": "
            + finding.message(),
        soak.causeEventId);
  }

  /** rotation.completed when {@code soak} was the plan's last stage. */
  private void completeIfLastStage(
      RotationRecord rotation, SoakRecord soak, Plan plan, String causeId) {
    if (!plan.isLastStage(soak.stageIndex)
        || rotation.outcome != null
        || rotation.rollbackCommit != null
        || rollbackKnown(soak.rotationId)) {
      return;
    }
    List<StageVerdict> verdicts = new ArrayList<>();
    String previousFingerprint = rotation.previousFingerprint;
    for (Stage stage : plan.stages()) {
      Optional<SoakRecord> stageSoak = soakOf(soak.rotationId, stage.cluster(), SoakKind.STAGE);
      if (stageSoak.isEmpty()) {
        continue;
      }
      SoakRecord s = stageSoak.get();
      if (s.status == SoakStatus.PASSED || s.status == SoakStatus.FORCED) {
        verdicts.add(
            new StageVerdict(
                s.cluster,
                s.status == SoakStatus.FORCED ? Reasons.Verdict.FORCED : Reasons.Verdict.PASSED,
                s.decidedAt));
      }
      if (previousFingerprint == null && s.progress != null) {
        previousFingerprint = StoredJson.progress(s.progress).previousFingerprint;
      }
    }
    String fingerprint =
        rotation.fingerprint != null ? rotation.fingerprint : soak.claimedFingerprint;
    String requestedBy = rotation.requestedBy;
    if (requestedBy == null) {
      requestedBy = "unknown";
      LOG.warnf(
          "ROTOR-4035 rotation %s completes without its key.generated: the requester is recorded"
              + " as unknown",
          soak.rotationId);
    }
    RotationCompleted completed =
        new RotationCompleted(
            soak.rotationId,
            soak.targetId,
            plan,
            previousFingerprint,
            fingerprint,
            requestedBy,
            StoredJson.strings(rotation.approvers),
            soak.appliedCommit,
            verdicts);
    EventEnvelope event = EventEnvelope.causedBy(causeId, completed, SOURCE, clock);
    recordRotationOutcome(rotation, COMPLETED, event.id());
    outbox.add(event);
    LOG.infof(
        "ROTOR-4034 rotation %s of %s completed: fingerprint %s, previous %s, verdicts %s",
        soak.rotationId,
        soak.targetId,
        fingerprint,
        previousFingerprint == null ? "unknown" : previousFingerprint,
        verdicts.stream().map(v -> v.cluster() + "=" + v.verdict()).toList());
  }

  /** rotation.rolled-back once every cluster the rollback names has verified its rollback. */
  private void completeRollback(RotationRecord rotation) {
    if (rotation.outcome != null || rotation.rollbackClusters == null || rotation.plan == null) {
      return;
    }
    List<String> clusters = StoredJson.strings(rotation.rollbackClusters);
    for (String cluster : clusters) {
      Optional<SoakRecord> check = soakOf(rotation.rotationId, cluster, SoakKind.ROLLBACK);
      if (check.isEmpty() || check.get().status != SoakStatus.PASSED) {
        return;
      }
    }
    Plan plan = StoredJson.plan(rotation.plan);
    RotationRolledBack rolledBack =
        new RotationRolledBack(
            rotation.rotationId,
            rotation.targetId,
            plan,
            rotation.rollbackCause,
            clusters,
            rotation.rollbackCommit);
    EventEnvelope event =
        EventEnvelope.causedBy(rotation.rollbackEventId, rolledBack, SOURCE, clock);
    recordRotationOutcome(rotation, ROLLED_BACK, event.id());
    outbox.add(event);
    LOG.warnf(
        "ROTOR-4032 rotation %s of %s is rolled back on %s, and the rollback verified",
        rotation.rotationId,
        rotation.targetId,
        clusters.isEmpty() ? "no cluster (Git only)" : clusters);
  }

  private void failRotation(RotationRecord rotation, Plan plan, String message, String causeId) {
    if (rotation.outcome != null) {
      return;
    }
    RotationFailed failed =
        new RotationFailed(
            rotation.rotationId,
            rotation.targetId,
            plan,
            Reasons.RotationFailure.ROLLBACK_FAILED,
            message);
    EventEnvelope event = EventEnvelope.causedBy(causeId, failed, SOURCE, clock);
    recordRotationOutcome(rotation, FAILED, event.id());
    outbox.add(event);
    LOG.errorf("ROTOR-4033 rotation %s failed: %s", rotation.rotationId, message);
  }

  private void recordRotationOutcome(RotationRecord rotation, String outcome, String eventId) {
    rotation.outcome = outcome;
    rotation.updatedAt = now();
    VerdictRecord verdict = new VerdictRecord();
    verdict.rotationId = rotation.rotationId;
    verdict.cluster = VerdictRecord.ROTATION_WIDE;
    verdict.kind = "ROTATION";
    verdict.verdict = outcome;
    verdict.eventId = eventId;
    verdict.decidedAt = now();
    verdict.persist();
  }

  private void recordVerdict(SoakRecord soak, String verdict, String eventId, Instant now) {
    if (VerdictRecord.count(
            "rotationId = ?1 and cluster = ?2 and kind = ?3 and verdict = ?4",
            soak.rotationId,
            soak.cluster,
            soak.kind.name(),
            verdict)
        > 0) {
      throw new IllegalStateException(
          "verdict "
              + verdict
              + " of "
              + soak.rotationId
              + " on "
              + soak.cluster
              + " exists already");
    }
    VerdictRecord record = new VerdictRecord();
    record.rotationId = soak.rotationId;
    record.cluster = soak.cluster;
    record.kind = soak.kind.name();
    record.verdict = verdict;
    record.eventId = eventId;
    record.decidedAt = now;
    record.persist();
  }

  private void cancelSoaks(String rotationId, String why) {
    List<SoakRecord> open =
        SoakRecord.<SoakRecord>find(
                "rotationId = ?1 and kind = ?2 and status in ?3",
                rotationId,
                SoakKind.STAGE,
                List.of(SoakStatus.RUNNING, SoakStatus.INCONCLUSIVE))
            .withLock(LockModeType.PESSIMISTIC_WRITE)
            .list();
    for (SoakRecord soak : open) {
      soak.status = SoakStatus.CANCELLED;
      soak.message = why;
      soak.decidedAt = now();
      LOG.infof(
          "ROTOR-4025 the soak of rotation %s on %s stops: %s", rotationId, soak.cluster, why);
    }
  }

  // ---- helpers

  private SoakRecord newSoak(
      EventEnvelope cause,
      SoakKind kind,
      Plan plan,
      int index,
      String cluster,
      String commit,
      String claimedFingerprint,
      String claimedPrimaryKeyId,
      List<PodStatus> pods,
      Instant completedAt,
      Duration soakFor,
      Duration interval) {
    Instant now = now();
    SoakRecord soak = new SoakRecord();
    soak.rotationId = cause.rotationId();
    soak.cluster = cluster;
    soak.kind = kind;
    soak.targetId = plan.targetId();
    soak.plan = StoredJson.write(plan);
    soak.stageIndex = index;
    soak.causeEventId = cause.id();
    soak.appliedCommit = commit;
    soak.claimedFingerprint = claimedFingerprint;
    soak.claimedPrimaryKeyId = claimedPrimaryKeyId;
    soak.claimedPods = StoredJson.write(pods);
    soak.rolloutCompletedAt = completedAt;
    soak.startedAt = now;
    soak.soakEndsAt = now.plus(soakFor);
    soak.intervalMillis = interval.toMillis();
    SoakProgress progress = new SoakProgress();
    progress.nextMetricAt = soakFor.compareTo(interval) <= 0 ? soak.soakEndsAt : now.plus(interval);
    soak.progress = StoredJson.write(progress);
    soak.nextCheckAt = now; // the first round reads the cluster at once
    soak.status = SoakStatus.RUNNING;
    return soak;
  }

  /**
   * Whether the new key reached {@code cluster}'s Secret: a distribute or promote of the rotation
   * completed there, or a promote started there (it starts only after the distribute completed;
   * this also covers completions from before the verifier recorded them). A cluster whose
   * distribute failed never had it: the manifest-service's rollback may remove a key no cluster
   * could unseal (docs/manifest-service.md, "Rollback").
   */
  private static boolean newKeyReached(String rotationId, String cluster) {
    return RolloutCompletionRecord.completed(rotationId, cluster, Phase.DISTRIBUTE.id())
        || RolloutCompletionRecord.completed(rotationId, cluster, Phase.PROMOTE.id())
        || RolloutStartRecord.startOf(rotationId, cluster, Phase.PROMOTE.id()).isPresent();
  }

  /** Whether a rollback of the rotation is known: a cluster's rollback check exists. */
  private static boolean rollbackKnown(String rotationId) {
    return SoakRecord.count("rotationId = ?1 and kind = ?2", rotationId, SoakKind.ROLLBACK) > 0;
  }

  private static int stageIndex(Plan plan, String cluster) {
    int index = plan.stageIndexOf(cluster);
    if (index < 0) {
      throw new EventRefused("NOT_IN_PLAN", "cluster: not a stage of the event's plan");
    }
    return index;
  }

  private static Optional<SoakRecord> soakOf(String rotationId, String cluster, SoakKind kind) {
    return SoakRecord.find(
            "rotationId = ?1 and cluster = ?2 and kind = ?3", rotationId, cluster, kind)
        .firstResultOptional();
  }

  private static void rememberPlan(RotationRecord rotation, Plan plan, Instant now) {
    if (plan != null) {
      rotation.plan = StoredJson.write(plan);
      rotation.updatedAt = now;
    }
  }

  private boolean firstTime(EventEnvelope event) {
    if (ProcessedEvent.findById(event.id()) != null) {
      LOG.debugf(
          "ROTOR-4003 %s %s was processed already: nothing changes",
          event.type().eventName(), event.id());
      return false;
    }
    ProcessedEvent processed = new ProcessedEvent();
    processed.eventId = event.id();
    processed.type = event.type().eventName();
    processed.processedAt = now();
    processed.persist();
    return true;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
