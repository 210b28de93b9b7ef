package dev.rotor.clusteragent.work;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.common.plan.Plan;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs the accepted jobs: one at a time per target (a target's events are ordered, so are its
 * rollouts), and one at a time per Deployment (two targets whose stages restart the same Deployment
 * would replace each other's pods, and neither rollout would ever see only its own mark), up to
 * {@code rotor.cluster-agent.rollout.concurrency} jobs at once. A job due to run starts when its
 * target and all of its Deployments are free, taking them all at once (all or none: no job holds
 * one while it waits for another, so no two jobs wait for each other); jobs that became due earlier
 * go first, and a waiting job keeps later jobs off its target and its Deployments, so none waits
 * for ever. Jobs held by a maintenance window wait aside, checked against the clock every {@code
 * rotor.cluster-agent.state.schedule-interval}, so they never block the Kafka partition or other
 * targets.
 *
 * <p>{@link #start()} reads the journal and resumes every pending job; {@link #stop()} ends all
 * work at once without sending anything (a job in progress stays pending in the journal). A start
 * after a stop is a fresh agent: nothing of the previous run is kept in memory.
 */
@ApplicationScoped
public class Coordinator {
  private static final Logger LOG = Logger.getLogger(Coordinator.class);

  private final StageRunner runner;
  private final JobJournal journal;
  private final ClusterAgentConfig config;
  private final Clock clock;

  private final Object monitor = new Object();
  // Jobs due to run, in the order they became due, each waiting for its target or a Deployment.
  private final Deque<Job> queued = new ArrayDeque<>();
  // The running job of each target, and the Deployments (<namespace>/<name>) running jobs hold.
  private final Map<String, Job> running = new HashMap<>();
  private final Set<String> busyDeployments = new HashSet<>();
  private final Map<String, Job> waiting = new LinkedHashMap<>();
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private ExecutorService workers;
  private ScheduledExecutorService scheduler;
  private volatile boolean ready;
  private volatile boolean terminated;
  private int generation;

  Coordinator(
      StageRunner runner,
      JobJournal journal,
      ClusterAgentConfig config,
      Clock clock,
      MeterRegistry registry) {
    this.runner = runner;
    this.journal = journal;
    this.config = config;
    this.clock = clock;
    registry.gauge(
        "rotor.cluster-agent.jobs", Tags.of("state", "waiting"), this, Coordinator::waitingCount);
    registry.gauge(
        "rotor.cluster-agent.jobs", Tags.of("state", "pending"), this, Coordinator::pendingCount);
    Gauge.builder("rotor.cluster-agent.pending.oldest", this, Coordinator::oldestPendingSeconds)
        .description("Age of the oldest job running or queued, from its event (or its window)")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("rotor.cluster-agent.job.deadline", config, Coordinator::jobDeadlineSeconds)
        .description(
            "The longest a job takes when nothing is wrong: two phases, each the unseal wait and"
                + " the rollout timeout")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
  }

  /** Reads the journal (in the background, retrying until it can) and resumes its jobs. */
  public void start() {
    int started;
    synchronized (monitor) {
      if (scheduler != null) {
        return;
      }
      started = ++generation;
      workers =
          Executors.newFixedThreadPool(config.rollout().concurrency(), threads("rotor-agent-work"));
      scheduler = Executors.newSingleThreadScheduledExecutor(threads("rotor-agent-schedule"));
    }
    scheduler.execute(() -> resume(started));
  }

  /** Ends all work now, without events; the journal keeps what was pending. */
  public void stop() {
    ExecutorService stoppingWorkers;
    ScheduledExecutorService stoppingScheduler;
    synchronized (monitor) {
      ready = false;
      generation++;
      stoppingWorkers = workers;
      stoppingScheduler = scheduler;
      workers = null;
      scheduler = null;
      queued.clear();
      running.clear();
      busyDeployments.clear();
      waiting.clear();
      cancelled.clear();
    }
    for (ExecutorService executor : new ExecutorService[] {stoppingScheduler, stoppingWorkers}) {
      if (executor == null) {
        continue;
      }
      executor.shutdownNow();
      try {
        if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
          LOG.warn("ROTOR-3052 some work did not stop within 10 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    LOG.info("ROTOR-3052 cluster-agent work stopped; pending work stays in the journal");
  }

  /**
   * Stops for good (application shutdown): like {@link #stop()}, and callers waiting for the agent
   * to be ready give up.
   */
  public void shutdown() {
    terminated = true;
    stop();
  }

  /** Whether the journal is loaded and new work can be accepted. */
  public boolean isReady() {
    return ready;
  }

  /**
   * Waits until the agent can accept work.
   *
   * @throws AgentStopped if the calling thread is interrupted meanwhile, or the application shuts
   *     down
   */
  public void awaitReady() {
    while (!ready) {
      if (terminated) {
        throw new AgentStopped();
      }
      Pauses.pause(Duration.ofMillis(100));
    }
  }

  /** Takes on {@code job} (recorded in the journal by the caller). */
  public void accept(Job job) {
    synchronized (monitor) {
      if (workers == null) {
        return;
      }
      // Checked again here, under the monitor cancelRotation takes after recording the rollback:
      // a rollback read while this job was being recorded (the write may wait for room) finds
      // either the job to cancel or its record here (read without the journal's lock).
      if (job.kind() != Job.Kind.ROLLOUT || !journal.isRolledBack(job.rotationId())) {
        if (job.notBefore() != null && clock.instant().isBefore(job.notBefore())) {
          waiting.put(job.id(), job);
        } else {
          enqueue(job);
        }
        return;
      }
    }
    cancel(job);
  }

  /**
   * Cancels the rollouts of {@code rotationId} that have not started (they end as cancelled in the
   * journal) and stops a running one before its next phase.
   *
   * @return whether a rollout of the rotation was running here: it may have applied a phase
   */
  public boolean cancelRotation(String rotationId) {
    List<Job> dropped = new ArrayList<>();
    boolean wasRunning;
    synchronized (monitor) {
      waiting.values().removeIf(job -> isRolloutOf(job, rotationId) && dropped.add(job));
      queued.removeIf(job -> isRolloutOf(job, rotationId) && dropped.add(job));
      List<Job> stopping =
          running.values().stream().filter(job -> isRolloutOf(job, rotationId)).toList();
      stopping.forEach(job -> cancelled.add(job.id()));
      // A job resumed after a restart that had done a phase, or recorded an event of one, may
      // have applied it: the rollback must roll this cluster back too.
      wasRunning = !stopping.isEmpty() || dropped.stream().anyMatch(Job::mayHaveApplied);
    }
    dropped.forEach(this::cancel);
    return wasRunning;
  }

  /**
   * Ends the rollouts of {@code rotationId} the journal still holds pending that this agent neither
   * runs nor queues: those the start-up held back because their rotation was rolled back after they
   * began ({@link JobJournal#load}), once the rollback that undoes them was taken in.
   */
  public void endHeldRollouts(String rotationId) {
    List<Job> pending = journal.pendingRollouts(rotationId);
    List<Job> held;
    synchronized (monitor) {
      if (workers == null) {
        // Stopping (or stopped): running jobs are no longer listed here but may still write. The
        // rollback recorded by now ends them at the next start (JobJournal.load).
        return;
      }
      held =
          pending.stream()
              .filter(job -> running.values().stream().noneMatch(r -> r.id().equals(job.id())))
              .filter(job -> queued.stream().noneMatch(q -> q.id().equals(job.id())))
              .filter(job -> !waiting.containsKey(job.id()))
              .toList();
    }
    for (Job job : held) {
      // Its recorded deciding event goes out first (the same event, so harmless if a job that
      // ended meanwhile sent it too); it then ends only if nothing else ended it meanwhile.
      runner.sendRecordedDecision(job);
      if (journal.doneIfUnchanged(job, "cancelled: the rotation is rolled back")) {
        LOG.infof(
            "ROTOR-3009 rotation %s on %s: rollout %s, held since the start-up, cancelled by its"
                + " rollback",
            rotationId, config.cluster(), job.id());
      }
    }
  }

  /** Ends a pending rollout of a rotation that was rolled back. */
  private void cancel(Job job) {
    LOG.infof(
        "ROTOR-3009 rotation %s on %s: pending rollout cancelled by its rollback",
        job.rotationId(), config.cluster());
    runner.sendRecordedDecision(job);
    journal.done(job.id(), job.kind(), "cancelled");
  }

  /** Jobs held by a maintenance window. */
  public int waitingCount() {
    synchronized (monitor) {
      return waiting.size();
    }
  }

  /** Jobs running or queued. */
  public int pendingCount() {
    synchronized (monitor) {
      return running.size() + queued.size();
    }
  }

  /**
   * Seconds since the oldest job running or queued became due: its cause's time, or the opening of
   * the maintenance window that held it; 0 when there is none. With {@link #jobDeadlineSeconds} it
   * tells a job stuck past its deadline from a busy agent.
   */
  public double oldestPendingSeconds() {
    Instant now = clock.instant();
    synchronized (monitor) {
      return java.util.stream.Stream.concat(running.values().stream(), queued.stream())
          .map(Coordinator::dueSince)
          .filter(java.util.Objects::nonNull)
          .mapToDouble(due -> Math.max(0, Duration.between(due, now).toMillis() / 1000.0))
          .max()
          .orElse(0);
    }
  }

  private static Instant dueSince(Job job) {
    Instant since = job.cause().time();
    if (job.notBefore() != null && (since == null || job.notBefore().isAfter(since))) {
      return job.notBefore();
    }
    return since;
  }

  static double jobDeadlineSeconds(ClusterAgentConfig config) {
    Duration phase = config.apply().unsealTimeout().plus(config.rollout().timeout());
    return phase.multipliedBy(2).toMillis() / 1000.0;
  }

  private void resume(int started) {
    List<Job> pending;
    try {
      pending = journal.load();
    } catch (AgentStopped e) {
      return;
    }
    synchronized (monitor) {
      if (started != generation) {
        return;
      }
      for (Job job : pending) {
        accept(job);
      }
      ready = true;
      Duration interval = config.state().scheduleInterval();
      scheduler.scheduleWithFixedDelay(
          this::releaseDue, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    LOG.infof(
        "ROTOR-3051 state %s loaded: %d jobs pending (%d waiting for a maintenance window)",
        journal.location(), pending.size(), waitingCount());
  }

  private void releaseDue() {
    Instant now = clock.instant();
    synchronized (monitor) {
      List<Job> due =
          waiting.values().stream().filter(job -> !now.isBefore(job.notBefore())).toList();
      for (Job job : due) {
        waiting.remove(job.id());
        enqueue(job);
      }
    }
  }

  private void enqueue(Job job) {
    queued.add(job);
    dispatch();
    if (queued.contains(job) && !running.containsKey(job.targetId())) {
      List<String> shared =
          deploymentsOf(job).stream().filter(busyDeployments::contains).sorted().toList();
      if (!shared.isEmpty()) {
        LOG.infof(
            "ROTOR-3025 job %s (rotation %s of %s) waits: another target's job is rolling out"
                + " Deployment %s",
            job.id(), job.rotationId(), job.targetId(), String.join(", ", shared));
      }
    }
  }

  /**
   * Starts every queued job whose target and Deployments are free, oldest first. A job that cannot
   * start keeps its target and Deployments from the jobs queued after it.
   */
  private void dispatch() {
    Set<String> reservedTargets = new HashSet<>();
    Set<String> reservedDeployments = new HashSet<>();
    for (Iterator<Job> it = queued.iterator(); it.hasNext(); ) {
      Job job = it.next();
      Set<String> deployments = deploymentsOf(job);
      boolean free =
          !running.containsKey(job.targetId())
              && !reservedTargets.contains(job.targetId())
              && deployments.stream()
                  .noneMatch(d -> busyDeployments.contains(d) || reservedDeployments.contains(d));
      if (!free) {
        reservedTargets.add(job.targetId());
        reservedDeployments.addAll(deployments);
        continue;
      }
      it.remove();
      running.put(job.targetId(), job);
      busyDeployments.addAll(deployments);
      int current = generation;
      workers.execute(() -> work(job, current));
    }
  }

  /** The Deployments ({@code <namespace>/<name>}) {@code job} restarts on this cluster. */
  private Set<String> deploymentsOf(Job job) {
    Plan plan = job.plan();
    int stage = plan.stageIndexOf(config.cluster());
    if (stage < 0) {
      return Set.of();
    }
    Set<String> deployments = new HashSet<>();
    for (String name : plan.stages().get(stage).deployments()) {
      deployments.add(plan.namespace() + "/" + name);
    }
    return deployments;
  }

  private void work(Job job, int started) {
    Job held = null;
    boolean stopped = false;
    // A job runs later, on a worker (or after a restart): it continues the trace of its cause.
    try (Scope ignored = TraceContext.makeCurrent(job.trace())) {
      held = runner.run(job, () -> cancelled.contains(job.id()));
    } catch (AgentStopped e) {
      stopped = true;
      LOG.debugf("job %s stopped with the agent; it stays pending", job.id());
    } catch (RuntimeException | Error e) {
      LOG.errorf(
          e,
          "ROTOR-3053 job %s (rotation %s) ended unexpectedly; it stays pending and resumes at the"
              + " next start",
          job.id(),
          job.rotationId());
      if (e instanceof Error error) {
        // The target's next jobs still run (finally); the worker thread itself is replaced.
        throw error;
      }
    } finally {
      finished(job, started, stopped, held);
    }
  }

  /**
   * Frees the job's target and Deployments and starts the queued jobs that can run now, whatever
   * way the job ended.
   */
  private void finished(Job job, int started, boolean stopped, Job held) {
    Job cancelledWhileHeld = null;
    synchronized (monitor) {
      if (started != generation || stopped) {
        return;
      }
      running.remove(job.targetId());
      busyDeployments.removeAll(deploymentsOf(job));
      boolean wasCancelled = cancelled.remove(job.id());
      if (held != null) {
        // Held for its window after its rotation was rolled back: it must not run when the window
        // opens, or it would put the rolled-back key back here.
        if (wasCancelled || journal.isRolledBack(held.rotationId())) {
          cancelledWhileHeld = held;
        } else {
          waiting.put(held.id(), held);
        }
      }
      dispatch();
    }
    if (cancelledWhileHeld != null) {
      cancel(cancelledWhileHeld);
    }
  }

  private static boolean isRolloutOf(Job job, String rotationId) {
    return job.kind() == Job.Kind.ROLLOUT && rotationId.equals(job.rotationId());
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
