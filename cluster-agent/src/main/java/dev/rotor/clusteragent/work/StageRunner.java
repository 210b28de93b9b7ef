package dev.rotor.clusteragent.work;

import dev.rotor.clusteragent.apply.ManifestDocument;
import dev.rotor.clusteragent.apply.SecretApplier;
import dev.rotor.clusteragent.apply.SecretExpectation;
import dev.rotor.clusteragent.apply.SecretObservation;
import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.events.RolloutEvents;
import dev.rotor.clusteragent.git.ManifestRepository;
import dev.rotor.clusteragent.git.RotationCommits;
import dev.rotor.clusteragent.rollout.DeploymentRestarter;
import dev.rotor.clusteragent.rollout.RolloutMark;
import dev.rotor.clusteragent.rollout.RolloutWatcher;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.messaging.Spans;
import dev.rotor.common.plan.MaintenanceWindow;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Runs a job as a chain of named steps. A stage rollout is two phases, distribute then promote;
 * each phase: {@code rollout.started}, read the manifest at the phase's commit, apply it, read the
 * Secret back until it holds the phase's keyring, restart each Deployment in plan order and wait
 * for its rollout, read the Secret back, {@code rollout.completed}. Any failure ends the job with
 * {@code rollout.failed} and its reason. A rollback is the same for the rollback commit, ending in
 * {@code rollback.completed} or {@code rollback.failed}.
 *
 * <p>Resuming is safe: before a phase, the Deployments' marks tell what already ran. A phase whose
 * mark a Deployment already carries restarts nothing (it only waits), a phase that a later one has
 * overtaken is skipped (its manifest is never applied again), and an event older than a later
 * rotation's restart for the same target is stale and changes nothing.
 */
@ApplicationScoped
public class StageRunner {
  private static final Logger LOG = Logger.getLogger(StageRunner.class);
  private static final AttributeKey<String> DEPLOYMENT =
      AttributeKey.stringKey("k8s.deployment.name");

  /** How long {@link #ranBefore} waits for the API server. */
  private static final Duration MARKS_AT_INTAKE = Duration.ofSeconds(30);

  private final ClusterAgentConfig config;
  private final ManifestRepository git;
  private final SecretApplier applier;
  private final DeploymentRestarter restarter;
  private final RolloutWatcher watcher;
  private final RolloutEvents events;
  private final JobJournal journal;
  private final AgentMetrics metrics;
  private final Clock clock;

  // Spans of each phase and its steps, in the trace of the job's cause (docs/tracing.md).
  @Inject Tracer tracer;

  StageRunner(
      ClusterAgentConfig config,
      ManifestRepository git,
      SecretApplier applier,
      DeploymentRestarter restarter,
      RolloutWatcher watcher,
      RolloutEvents events,
      JobJournal journal,
      AgentMetrics metrics,
      Clock clock) {
    this.config = config;
    this.git = git;
    this.applier = applier;
    this.restarter = restarter;
    this.watcher = watcher;
    this.events = events;
    this.journal = journal;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Runs {@code job} to its end, or until its maintenance window must be waited for.
   *
   * @param cancelled whether a rollback of the rotation cancelled the job (checked between phases)
   * @return the job to hold until its {@code notBefore}, or null when it ended
   * @throws AgentStopped when the agent stops: the journal keeps the job as it is
   */
  public Job run(Job job, BooleanSupplier cancelled) {
    Job resumed = finishRecorded(job);
    if (resumed == null) {
      return null;
    }
    return switch (resumed.kind()) {
      case ROLLOUT -> rollout(resumed, cancelled);
      case ROLLBACK -> {
        inSpan(resumed, Phase.ROLLBACK, "rotor.rollout.rollback", null, () -> rollback(resumed));
        yield null;
      }
    };
  }

  /**
   * A job whose last recorded event decided its step: the agent stopped after recording it, before
   * or after sending it, and before recording the step as done. That event goes out again exactly
   * as recorded and the step counts as done; doing the step again instead could decide it otherwise
   * (a second {@code rollout.completed} with other pods, or a {@code rollout.failed} after a {@code
   * rollout.completed}). A {@code rollout.started} decides nothing: its phase runs again, and sends
   * it again unchanged.
   *
   * @return the job to go on with, or null when its end was decided
   */
  private Job finishRecorded(Job job) {
    if (!decided(job)) {
      return job;
    }
    EventEnvelope last = job.sent().get(job.sent().size() - 1);
    RotorEvent data = last.data();
    String outcome;
    if (data instanceof RolloutFailed failed) {
      outcome = "failed " + failed.reason();
    } else if (data instanceof RollbackFailed failed) {
      outcome = "failed " + failed.reason();
    } else if (data instanceof RollbackCompleted
        || data instanceof RolloutCompleted completed && completed.phase() == Phase.PROMOTE) {
      outcome = "completed";
    } else if (data instanceof RolloutCompleted || data instanceof RolloutWaiting) {
      outcome = null;
    } else {
      return job;
    }
    LOG.infof(
        "ROTOR-3057 rotation %s: %s %s was recorded before the agent stopped; sending it again as"
            + " it was",
        job.rotationId(), last.type().eventName(), last.id());
    events.send(last);
    if (outcome != null) {
      journal.done(job.id(), job.kind(), outcome);
      return null;
    }
    Job next =
        data instanceof RolloutCompleted completed
            ? job.withPhaseDone(completed.phase())
            : job.announced();
    journal.put(next);
    return next;
  }

  /** Whether the last event {@code job} recorded decided a step (anything but a start). */
  private static boolean decided(Job job) {
    return !job.sent().isEmpty()
        && !(job.sent().get(job.sent().size() - 1).data() instanceof RolloutStarted);
  }

  /**
   * Before {@code job} is cancelled (its rotation is rolled back): the event it recorded last goes
   * out again as it was when it decided a step, since it may never have been sent, and what was
   * decided is not taken back by the cancellation.
   */
  public void sendRecordedDecision(Job job) {
    if (decided(job)) {
      EventEnvelope last = job.sent().get(job.sent().size() - 1);
      LOG.infof(
          "ROTOR-3057 rotation %s: %s %s was recorded before the job was cancelled; sending it"
              + " again as it was",
          job.rotationId(), last.type().eventName(), last.id());
      events.send(last);
    }
  }

  /**
   * Sends {@code data} for {@code job}'s step in progress. An event the job recorded under the same
   * id before the agent stopped goes out again as it was; a new one is recorded in the journal
   * first, so that it can be.
   *
   * @return the job as the journal now holds it
   */
  private Job send(Job job, String causeKey, RotorEvent data) {
    EventEnvelope fresh = events.envelope(causeKey, data);
    Optional<EventEnvelope> recorded = job.sentAs(fresh.id());
    if (recorded.isPresent()) {
      events.send(recorded.get());
      return job;
    }
    Job next = job.withSent(fresh);
    journal.put(next);
    events.send(fresh);
    return next;
  }

  // ---------------------------------------------------------------- a stage: distribute, promote

  private Job rollout(Job job, BooleanSupplier cancelled) {
    Plan plan = job.plan();
    Stage stage = stageOf(plan);
    String rotation = job.rotationId();
    Optional<Phase> pending = firstPending(job);
    if (pending.isEmpty()) {
      // Stopped after recording promote as done, before ending the job: nothing is left to do.
      journal.done(job.id(), job.kind(), "completed");
      return null;
    }
    List<RolloutMark> marks;
    try {
      marks =
          restarter.marks(
              plan.namespace(), stage.deployments(), Deadline.after(config.rollout().timeout()));
    } catch (RolloutFailure failure) {
      if (endedByRollback(job, cancelled, "while its Deployments could not be read")) {
        return null;
      }
      if (!job.mayHaveApplied() && job.cause().time().isBefore(journal.rememberedSince())) {
        // Its cause is older than what the journal remembers: perhaps a replay of a stage that
        // ran long ago, which only the marks could tell (isStale). Failing it would ask for a
        // rollback of a rotation that may have ended; it stays pending and is tried again at
        // the next start.
        LOG.warnf(
            "ROTOR-3061 rotation %s: the Deployments of its stage on %s cannot be read (%s), and"
                + " its %s %s is older than this agent remembers, perhaps a replay: nothing is"
                + " failed; it stays pending and is tried again at the next start",
            rotation, config.cluster(), failure.reason(), job.cause().type().eventName(), job.id());
        return null;
      }
      // FORBIDDEN, or TIMEOUT after the API server stayed away (ApiErrors: a conflict is
      // APPLY_CONFLICT): a failure like any other, of the phase the job is at, so that the
      // rotation does not wait for an event that never comes.
      fail(job, pending.get(), failure, Duration.ZERO);
      return null;
    }
    if (isStale(job, marks)) {
      return null;
    }
    if (marks.stream().anyMatch(mark -> mark.reached(rotation, Phase.ROLLBACK))) {
      LOG.infof(
          "ROTOR-3024 rotation %s was rolled back on %s already: nothing to roll out",
          rotation, config.cluster());
      metrics.skipped("rolled-back");
      journal.done(job.id(), job.kind(), "skipped-rolled-back");
      return null;
    }
    // Begun: a phase done or a Deployment marked. A rollout.started recorded (perhaps sent) with
    // nothing restarted yet is not: the window still holds the stage, and the event is kept.
    boolean begun =
        !job.phasesDone().isEmpty()
            || marks.stream().anyMatch(mark -> rotation.equals(mark.rotationId()));
    MaintenanceWindow window = stage.maintenanceWindow();
    Instant now = clock.instant();
    if (!begun && window != null && !window.isOpen(now)) {
      return holdForWindow(job, window.nextOpening(now));
    }

    if (!job.phasesDone().contains(Phase.DISTRIBUTE)
        && marks.stream().anyMatch(mark -> mark.reached(rotation, Phase.PROMOTE))) {
      LOG.infof(
          "ROTOR-3024 rotation %s: promote has begun on %s, distribute is done",
          rotation, config.cluster());
      job = job.withPhaseDone(Phase.DISTRIBUTE);
      journal.put(job);
    }

    RotationCommits commits;
    try {
      commits = commitsOf(job);
    } catch (RolloutFailure failure) {
      if (endedByRollback(job, cancelled, "while its commits could not be read")) {
        return null;
      }
      // A resumed job reads its commits again: once distribute is done (its rollout.completed
      // sent), Git failing now fails promote, never the distribute reported as completed.
      fail(job, firstPending(job).orElseThrow(), failure, Duration.ZERO);
      return null;
    }
    for (Phase phase : List.of(Phase.DISTRIBUTE, Phase.PROMOTE)) {
      if (job.phasesDone().contains(phase)) {
        continue;
      }
      if (endedByRollback(job, cancelled, "before " + phase.id())) {
        return null;
      }
      String commit =
          phase == Phase.DISTRIBUTE ? commits.distributeCommit() : commits.promoteCommit();
      long started = System.nanoTime();
      try {
        Job current = job;
        Phase running = phase;
        inSpan(
            job,
            phase,
            "rotor.rollout." + phase.id(),
            null,
            () -> runPhase(current, stage, running, commit, commits.fingerprint()));
      } catch (RolloutFailure failure) {
        fail(job, phase, failure, Duration.ofNanos(System.nanoTime() - started));
        return null;
      }
      metrics.ended(phase, null, Duration.ofNanos(System.nanoTime() - started));
      job = job.withPhaseDone(phase);
      journal.put(job);
    }
    journal.done(job.id(), job.kind(), "completed");
    return null;
  }

  /**
   * Whether the rotation's rollback cancelled {@code job} (it then ends as cancelled, not failed,
   * and runs no further phase).
   */
  private boolean endedByRollback(Job job, BooleanSupplier cancelled, String when) {
    if (!cancelled.getAsBoolean()) {
      return false;
    }
    LOG.infof(
        "ROTOR-3009 rotation %s on %s: cancelled by its rollback %s",
        job.rotationId(), config.cluster(), when);
    journal.done(job.id(), job.kind(), "cancelled");
    return true;
  }

  /** The first phase of {@code job}'s stage not done yet, if any: where a failure now belongs. */
  private static Optional<Phase> firstPending(Job job) {
    return Stream.of(Phase.DISTRIBUTE, Phase.PROMOTE)
        .filter(phase -> !job.phasesDone().contains(phase))
        .findFirst();
  }

  private void runPhase(Job job, Stage stage, Phase phase, String commit, String fingerprint) {
    Plan plan = job.plan();
    Job started =
        send(
            job,
            job.eventKey(phase),
            new RolloutStarted(
                job.rotationId(), job.targetId(), plan, config.cluster(), phase, commit));
    LOG.infof(
        "ROTOR-3010 rotation %s: %s of %s on %s from commit %s",
        job.rotationId(), phase.id(), plan.targetId(), config.cluster(), commit);

    SecretExpectation expectation =
        inSpan(
            job, phase, "rotor.apply", null, () -> applyManifest(plan, phase, commit, fingerprint));
    String mark = RolloutMark.value(job.rotationId(), phase);
    List<PodStatus> pods = restartAll(job, plan, stage, phase, mark);
    SecretObservation observed = readBack(plan, expectation);
    send(
        started,
        job.eventKey(phase),
        new RolloutCompleted(
            job.rotationId(),
            job.targetId(),
            plan,
            config.cluster(),
            phase,
            commit,
            observed.fingerprintOf(expectation.newKeyId()),
            observed.primaryKeyId(),
            pods,
            clock.instant()));
    LOG.infof(
        "ROTOR-3030 rotation %s: %s of %s on %s completed (primary %s, %d new pods)",
        job.rotationId(),
        phase.id(),
        plan.targetId(),
        config.cluster(),
        observed.primaryKeyId(),
        pods.size());
  }

  private void fail(Job job, Phase phase, RolloutFailure failure, Duration took) {
    send(
        job,
        job.eventKey(phase),
        new RolloutFailed(
            job.rotationId(),
            job.targetId(),
            job.plan(),
            config.cluster(),
            phase,
            failure.reason(),
            failure.getMessage()));
    metrics.ended(phase, failure.reason(), took);
    LOG.warnf(
        "ROTOR-3031 rotation %s: %s of %s on %s failed, %s: %s",
        job.rotationId(),
        phase.id(),
        job.targetId(),
        config.cluster(),
        failure.reason(),
        failure.getMessage());
    journal.done(job.id(), job.kind(), "failed " + failure.reason());
  }

  private Job holdForWindow(Job job, Instant opening) {
    if (opening.equals(job.notBefore()) && job.waitingAnnounced()) {
      return job;
    }
    return announceWait(job.waitUntil(opening));
  }

  /**
   * Sends {@code rollout.waiting} for a job held until its {@code notBefore}, recording the job (as
   * announced) in the journal.
   *
   * @return the job as the journal now holds it
   */
  public Job announceWait(Job job) {
    Job sent =
        send(
            job,
            job.waitingKey(),
            new RolloutWaiting(
                job.rotationId(),
                job.targetId(),
                job.plan(),
                config.cluster(),
                Phase.DISTRIBUTE,
                job.notBefore()));
    Job announced = sent.announced();
    journal.put(announced);
    LOG.infof(
        "ROTOR-3007 rotation %s: %s on %s waits for its maintenance window until %s",
        job.rotationId(), job.targetId(), config.cluster(), job.notBefore());
    return announced;
  }

  private RotationCommits commitsOf(Job job) {
    if (job.cause().data() instanceof ManifestApproved approved) {
      return new RotationCommits(
          approved.distributeCommit(), approved.promoteCommit(), approved.fingerprint());
    }
    return git.findRotation(job.plan().manifest(), job.rotationId());
  }

  /**
   * Whether {@code job}'s event is a replay: a later rotation of the same target restarted one of
   * the stage's Deployments after the event was sent (plus {@code state.stale-event-margin} for
   * clock skew). Rotations of one target never overlap (the key-generator admits one in flight), so
   * the job's rotation has ended, and dropping it leaves nothing waiting. For a rollback this
   * matters most: applying an older rotation's rollback commit would take the later rotation's key,
   * primary now, out of the Secret. Evidence is Rotor's mark only: its own time, never kubectl's
   * {@code restartedAt} (a manual {@code kubectl rollout restart} changes nothing here), and only a
   * mark of the job's target (another target sharing the Deployment says nothing about this
   * target's rotations). A job held by a maintenance window keeps its event's time: that is still
   * right, since only its own target's later rotation counts.
   */
  private boolean isStale(Job job, List<RolloutMark> marks) {
    Instant eventTime = job.cause().time();
    for (RolloutMark mark : marks) {
      if (mark.rotationId() != null
          && !mark.rotationId().equals(job.rotationId())
          && job.targetId().equals(mark.targetId())
          && mark.restartedAt() != null
          && mark.restartedAt().isAfter(eventTime.plus(config.state().staleEventMargin()))) {
        LOG.warnf(
            "ROTOR-3006 %s %s of rotation %s is older than rotation %s of the same target %s,"
                + " which restarted its Deployments at %s on %s: stale (a replay), it changes"
                + " nothing",
            job.cause().type().eventName(),
            job.id(),
            job.rotationId(),
            mark.rotationId(),
            job.targetId(),
            mark.restartedAt(),
            config.cluster());
        metrics.skipped("stale");
        journal.done(job.id(), job.kind(), "skipped-stale");
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the new job of an event the journal does not know is one this agent ran to its end and
   * has since forgotten: a Deployment of its stage carries its rotation's mark (for a rollback, the
   * rotation's rollback mark) from before everything the journal remembers ({@link
   * JobJournal#rememberedSince()}). The journal writes a job before any restart and forgets it only
   * once ended, so such an event is a replay (a consumer group reset, or offsets that expired while
   * the agent was away). It is recorded as done and sends nothing: its events went out when it ran,
   * and new ones under the same ids, with another time, would be conflicting duplicates. A mark
   * with no known time (an older agent's) proves nothing, nor does a rollout's mark for a rollback:
   * a stage rolled out long ago is rolled back as any other.
   *
   * @return true if the event was such a replay (and is now recorded as done)
   */
  public boolean ranBefore(Job job) {
    Plan plan = job.plan();
    List<RolloutMark> marks;
    try {
      // Read on the Kafka consumer's thread: a short deadline, not the rollout's.
      marks =
          restarter.marks(
              plan.namespace(), stageOf(plan).deployments(), Deadline.after(MARKS_AT_INTAKE));
    } catch (RolloutFailure failure) {
      // Taken in as new: the job meets the failure and reports it, or (the API server back) runs;
      // rules 2 and 3 still hold for it, only its own old events may go out again.
      return false;
    }
    Instant horizon = journal.rememberedSince();
    for (RolloutMark mark : marks) {
      if (job.rotationId().equals(mark.rotationId())
          && mark.restartedAt() != null
          && mark.restartedAt().isBefore(horizon)
          && (job.kind() == Job.Kind.ROLLOUT || mark.phase() == Phase.ROLLBACK)) {
        LOG.warnf(
            "ROTOR-3058 %s %s of rotation %s: its %s restarted the stage's Deployments on %s at"
                + " %s, before anything the agent's journal remembers (from %s); a replay of an"
                + " event this agent handled then, it changes nothing",
            job.cause().type().eventName(),
            job.id(),
            job.rotationId(),
            mark.phase().id(),
            config.cluster(),
            mark.restartedAt(),
            horizon);
        metrics.skipped("forgotten");
        journal.done(job.id(), job.kind(), "skipped-forgotten");
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- rollback

  private void rollback(Job job) {
    ManifestRolledBack rolledBack = (ManifestRolledBack) job.cause().data();
    Plan plan = job.plan();
    Stage stage = stageOf(plan);
    long started = System.nanoTime();
    try {
      // A rollback replayed after a later rotation of the target would apply a keyring without
      // that rotation's key, which is primary now: rule 3 holds for rollbacks as for rollouts.
      List<RolloutMark> marks =
          restarter.marks(
              plan.namespace(), stage.deployments(), Deadline.after(config.rollout().timeout()));
      if (isStale(job, marks)) {
        return;
      }
      String fingerprint = null;
      try {
        fingerprint = git.findRotation(plan.manifest(), job.rotationId()).fingerprint();
      } catch (RolloutFailure failure) {
        if (failure.reason() == Reasons.Rollout.GIT_UNAVAILABLE) {
          throw failure;
        }
        LOG.infof(
            "ROTOR-3032 rotation %s: the new key is not known (%s); checking the rolled-back keyring"
                + " only",
            job.rotationId(), failure.getMessage());
      }
      String commit = rolledBack.rollbackCommit();
      String known = fingerprint;
      SecretExpectation expectation =
          inSpan(
              job,
              Phase.ROLLBACK,
              "rotor.apply",
              null,
              () -> applyManifest(plan, Phase.ROLLBACK, commit, known));
      String mark = RolloutMark.value(job.rotationId(), Phase.ROLLBACK);
      List<PodStatus> pods = restartAll(job, plan, stage, Phase.ROLLBACK, mark);
      SecretObservation observed = readBack(plan, expectation);
      send(
          job,
          job.eventKey(Phase.ROLLBACK),
          new RollbackCompleted(
              job.rotationId(),
              job.targetId(),
              plan,
              config.cluster(),
              commit,
              observed.primaryKeyId(),
              pods,
              clock.instant()));
      metrics.ended(Phase.ROLLBACK, null, Duration.ofNanos(System.nanoTime() - started));
      LOG.infof(
          "ROTOR-3032 rotation %s: rollback of %s on %s completed (primary %s)",
          job.rotationId(), plan.targetId(), config.cluster(), observed.primaryKeyId());
      journal.done(job.id(), job.kind(), "completed");
    } catch (RolloutFailure failure) {
      send(
          job,
          job.eventKey(Phase.ROLLBACK),
          new RollbackFailed(
              job.rotationId(),
              job.targetId(),
              plan,
              config.cluster(),
              failure.reason(),
              failure.getMessage()));
      metrics.ended(
          Phase.ROLLBACK, failure.reason(), Duration.ofNanos(System.nanoTime() - started));
      LOG.errorf(
          "ROTOR-3033 rotation %s: rollback of %s on %s FAILED, %s: %s. People must act.",
          job.rotationId(),
          plan.targetId(),
          config.cluster(),
          failure.reason(),
          failure.getMessage());
      journal.done(job.id(), job.kind(), "failed " + failure.reason());
    }
  }

  // ---------------------------------------------------------------- shared steps

  private SecretExpectation applyManifest(
      Plan plan, Phase phase, String commit, String fingerprint) {
    byte[] manifest = git.read(plan.manifest(), commit);
    ManifestDocument document =
        ManifestDocument.select(manifest, plan, plan.manifest().path() + " at commit " + commit);
    long generation = applier.apply(plan, document, Deadline.after(config.apply().unsealTimeout()));
    SecretExpectation expectation =
        new SecretExpectation(
            phase,
            fingerprint,
            document.keyringDigests(),
            document.format() == ManifestFormat.SEALED_SECRET ? generation : null);
    applier.awaitSecret(plan, document.format(), expectation, config.apply().unsealTimeout());
    return expectation;
  }

  private List<PodStatus> restartAll(Job job, Plan plan, Stage stage, Phase phase, String mark) {
    List<PodStatus> pods = new ArrayList<>();
    for (String deployment : stage.deployments()) {
      Deadline deadline = Deadline.after(config.rollout().timeout());
      inSpan(
          job,
          phase,
          "rotor.restart",
          deployment,
          () -> {
            restarter.restart(
                plan.namespace(), deployment, job.targetId(), job.rotationId(), phase, deadline);
            return null;
          });
      pods.addAll(
          inSpan(
              job,
              phase,
              "rotor.rollout-status",
              deployment,
              () -> watcher.await(plan.namespace(), deployment, mark, deadline)));
    }
    return pods;
  }

  /** {@code work} in a span of the job's trace (none when tracing is off); ids only, no data. */
  private <T> T inSpan(Job job, Phase phase, String name, String deployment, Supplier<T> work) {
    Attributes attributes =
        Spans.rotation(job.rotationId(), job.targetId()).toBuilder()
            .put(Spans.CLUSTER, config.cluster())
            .put(Spans.PHASE, phase.id())
            .build();
    if (deployment != null) {
      attributes = attributes.toBuilder().put(DEPLOYMENT, deployment).build();
    }
    return Spans.inChild(tracer, name, attributes, work);
  }

  private void inSpan(Job job, Phase phase, String name, String deployment, Runnable work) {
    inSpan(
        job,
        phase,
        name,
        deployment,
        () -> {
          work.run();
          return null;
        });
  }

  private SecretObservation readBack(Plan plan, SecretExpectation expectation) {
    SecretObservation observed =
        applier.observe(plan, plan.manifest().format(), Deadline.after(config.rollout().timeout()));
    if (!expectation.isMetBy(observed) || observed.primaryKeyId() == null) {
      throw new RolloutFailure(
          Reasons.Rollout.APPLY_CONFLICT,
          "Secret "
              + plan.targetId()
              + " no longer holds "
              + expectation.describe()
              + " after the restarts: something else changed it during the rollout");
    }
    return observed;
  }

  private Stage stageOf(Plan plan) {
    return plan.stages().get(plan.stageIndexOf(config.cluster()));
  }
}
