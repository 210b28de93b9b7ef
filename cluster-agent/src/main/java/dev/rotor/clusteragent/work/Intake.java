package dev.rotor.clusteragent.work;

import dev.rotor.clusteragent.config.AgentPolicy;
import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.events.RolloutEvents;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PlanCarrying;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.plan.MaintenanceWindow;
import dev.rotor.common.plan.Plan;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Decides what an event asks of this agent, and records it before the event is acknowledged:
 *
 * <ul>
 *   <li>{@code manifest.approved}: the first stage, if it runs on this cluster;
 *   <li>{@code verification.passed} of stage n: stage n+1, if it runs on this cluster;
 *   <li>{@code manifest.rolled-back}: cancels the rotation's rollouts that have not started, and
 *       rolls this cluster back if the event lists it.
 * </ul>
 *
 * An event already in the journal changes nothing. A plan the policy does not allow on this cluster
 * is refused with NOT_PERMITTED ({@code rollout.failed} or {@code rollback.failed}). A stage
 * outside its maintenance window is announced with {@code rollout.waiting} and held.
 */
@ApplicationScoped
public class Intake {
  private static final Logger LOG = Logger.getLogger(Intake.class);

  private final ClusterAgentConfig config;
  private final AgentPolicy policy;
  private final JobJournal journal;
  private final Coordinator coordinator;
  private final StageRunner runner;
  private final RolloutEvents events;
  private final AgentMetrics metrics;
  private final Clock clock;

  Intake(
      ClusterAgentConfig config,
      AgentPolicy policy,
      JobJournal journal,
      Coordinator coordinator,
      StageRunner runner,
      RolloutEvents events,
      AgentMetrics metrics,
      Clock clock) {
    this.config = config;
    this.policy = policy;
    this.journal = journal;
    this.coordinator = coordinator;
    this.runner = runner;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Takes in one event.
   *
   * @throws AgentStopped if the agent stops before the event is recorded (it must not be
   *     acknowledged then)
   */
  public void accept(EventEnvelope event) {
    coordinator.awaitReady();
    if (event.data() instanceof ManifestApproved approved) {
      startStage(event, approved.plan(), approved.plan().stageIndexOf(config.cluster()) == 0);
    } else if (event.data() instanceof VerificationPassed passed) {
      Plan plan = passed.plan();
      int passedStage = plan.stageIndexOf(passed.cluster());
      boolean next =
          passedStage >= 0
              && passedStage + 1 < plan.stages().size()
              && plan.stages().get(passedStage + 1).cluster().equals(config.cluster());
      startStage(event, plan, next);
    } else if (event.data() instanceof ManifestRolledBack rolledBack) {
      rollBack(event, rolledBack);
    } else {
      LOG.debugf(
          "ROTOR-3002 skipping %s %s: not for the cluster-agent",
          event.type().eventName(), event.id());
    }
  }

  private void startStage(EventEnvelope event, Plan plan, boolean ours) {
    if (!ours) {
      LOG.debugf(
          "ROTOR-3003 skipping %s %s: it starts no stage on %s",
          event.type().eventName(), event.id(), config.cluster());
      metrics.skipped("other-stage");
      return;
    }
    if (isDuplicate(event)) {
      return;
    }
    if (journal.isRolledBack(event.rotationId())) {
      // Read after the rotation's manifest.rolled-back (another topic, so in any order): the
      // rotation is over, and a rollout now would put its key back where it was rolled back.
      LOG.warnf(
          "ROTOR-3055 skipping %s %s: rotation %s is rolled back, so no stage of it starts on %s",
          event.type().eventName(), event.id(), event.rotationId(), config.cluster());
      metrics.skipped("rolled-back");
      journal.done(event.id(), Job.Kind.ROLLOUT, "skipped: the rotation is rolled back");
      return;
    }
    Optional<String> refusal = policy.refusal(plan);
    if (refusal.isPresent()) {
      refuse(event, Job.Kind.ROLLOUT, Reasons.Rollout.NOT_PERMITTED, refusal.get());
      return;
    }
    Job job = Job.of(Job.Kind.ROLLOUT, event);
    if (runner.ranBefore(job)) {
      return;
    }
    if (!journal.hasRoomFor(job)) {
      refuse(
          event,
          Job.Kind.ROLLOUT,
          Reasons.Rollout.AGENT_STATE_FULL,
          "the agent's state ConfigMap "
              + journal.location()
              + " has no room for another pending stage ("
              + coordinator.waitingCount()
              + " held by their maintenance windows; state.max-bytes "
              + config.state().maxBytes()
              + "); nothing was applied on "
              + config.cluster()
              + ". Request the rotation again once held stages have run");
      return;
    }
    MaintenanceWindow window =
        plan.stages().get(plan.stageIndexOf(config.cluster())).maintenanceWindow();
    Instant now = clock.instant();
    if (window != null && !window.isOpen(now)) {
      job = job.waitUntil(window.nextOpening(now));
    }
    if (job.notBefore() != null) {
      job = runner.announceWait(job);
    } else {
      journal.put(job);
    }
    LOG.infof(
        "ROTOR-3008 accepted %s %s: rotation %s of %s on %s%s",
        event.type().eventName(),
        event.id(),
        job.rotationId(),
        job.targetId(),
        config.cluster(),
        job.notBefore() == null ? "" : ", from " + job.notBefore());
    coordinator.accept(job);
  }

  private void rollBack(EventEnvelope event, ManifestRolledBack rolledBack) {
    if (rolledBack.plan().stageIndexOf(config.cluster()) < 0) {
      LOG.debugf(
          "ROTOR-3003 skipping %s %s: no stage on %s",
          event.type().eventName(), event.id(), config.cluster());
      metrics.skipped("other-stage");
      return;
    }
    // Read from the journal before anything changes, so that it holds after a restart too: a
    // rollout of the rotation recorded here that may have applied a phase (one the start-up held
    // back, or one a stopping agent no longer runs).
    boolean recordedBegun =
        journal.pendingRollouts(rolledBack.rotationId()).stream().anyMatch(Job::mayHaveApplied);
    journal.rolledBack(rolledBack.rotationId(), event.id());
    boolean wasRunning = coordinator.cancelRotation(rolledBack.rotationId()) || recordedBegun;
    if (wasRunning && !rolledBack.clusters().contains(config.cluster())) {
      // The manifest-service lists the clusters it knew had started; this one's rollout was
      // running when the rollback came and may have applied a phase: roll it back too.
      LOG.warnf(
          "ROTOR-3056 %s %s does not list %s, but the rotation's rollout was running here: rolling"
              + " it back here too",
          event.type().eventName(), event.id(), config.cluster());
    } else if (!rolledBack.clusters().contains(config.cluster())) {
      LOG.infof(
          "ROTOR-3003 %s %s does not list %s: nothing to roll back here",
          event.type().eventName(), event.id(), config.cluster());
      metrics.skipped("not-applied");
      return;
    }
    if (isDuplicate(event)) {
      coordinator.endHeldRollouts(rolledBack.rotationId());
      return;
    }
    Optional<String> refusal = policy.refusal(rolledBack.plan());
    if (refusal.isPresent()) {
      refuse(event, Job.Kind.ROLLBACK, Reasons.Rollout.NOT_PERMITTED, refusal.get());
      coordinator.endHeldRollouts(rolledBack.rotationId());
      return;
    }
    Job job = Job.of(Job.Kind.ROLLBACK, event);
    if (runner.ranBefore(job)) {
      coordinator.endHeldRollouts(rolledBack.rotationId());
      return;
    }
    journal.put(job);
    coordinator.endHeldRollouts(rolledBack.rotationId());
    LOG.infof(
        "ROTOR-3008 accepted %s %s: roll back rotation %s of %s on %s",
        event.type().eventName(), event.id(), job.rotationId(), job.targetId(), config.cluster());
    coordinator.accept(job);
  }

  private boolean isDuplicate(EventEnvelope event) {
    if (!journal.knows(event.id())) {
      return false;
    }
    LOG.infof(
        "ROTOR-3004 skipping %s %s: this agent took it in before (redelivered or replayed)",
        event.type().eventName(), event.id());
    metrics.skipped("duplicate");
    return true;
  }

  private void refuse(EventEnvelope event, Job.Kind kind, Reasons.Rollout reason, String why) {
    String message = "refused: " + why;
    PlanCarrying data = (PlanCarrying) event.data();
    Job job = Job.of(kind, event);
    RotorEvent refusal;
    Phase phase;
    if (kind == Job.Kind.ROLLOUT) {
      phase = Phase.DISTRIBUTE;
      refusal =
          new RolloutFailed(
              event.rotationId(),
              event.subject(),
              data.plan(),
              config.cluster(),
              phase,
              reason,
              message);
    } else {
      phase = Phase.ROLLBACK;
      refusal =
          new RollbackFailed(
              event.rotationId(), event.subject(), data.plan(), config.cluster(), reason, message);
    }
    // Recorded first, like every event of a job: stopped before the refusal is recorded as done,
    // a restarted agent sends this very event again (StageRunner), not a new one with a new time.
    EventEnvelope sent = events.envelope(job.eventKey(phase), refusal);
    journal.put(job.withSent(sent));
    events.send(sent);
    metrics.ended(phase, reason, Duration.ZERO);
    LOG.warnf(
        "ROTOR-3005 %s %s of rotation %s %s %s",
        event.type().eventName(), event.id(), event.rotationId(), reason, message);
    journal.done(event.id(), kind, "refused " + reason);
  }
}
