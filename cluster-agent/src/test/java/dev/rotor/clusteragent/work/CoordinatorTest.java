package dev.rotor.clusteragent.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's bookkeeping, with the stage runner replaced: however a job ends, its target is
 * freed and the target's next job runs.
 */
class CoordinatorTest {
  private final List<String> ran = new CopyOnWriteArrayList<>();
  private Coordinator coordinator;

  @AfterEach
  void stop() {
    if (coordinator != null) {
      coordinator.stop();
    }
  }

  @Test
  void aJobThatEndsWithAnErrorDoesNotHoldUpTheNextJobOfItsTarget() {
    theNextJobOfTheTargetRunsAfterAFirstThatThrows(new StackOverflowError("test: recursion"));
  }

  @Test
  void aJobThatEndsWithAnUnexpectedExceptionDoesNotHoldUpTheNextJobOfItsTarget() {
    theNextJobOfTheTargetRunsAfterAFirstThatThrows(new IllegalStateException("test: a bug"));
  }

  private void theNextJobOfTheTargetRunsAfterAFirstThatThrows(Throwable failure) {
    coordinator = started(new Throwing(failure));
    Job first = rollout();
    Job second = rollout();

    coordinator.accept(first);
    coordinator.accept(second);

    // A worker rethrows an error (its thread is replaced): expected, not a test failure.
    await()
        .dontCatchUncaughtExceptions()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(ran).containsExactly(first.id(), second.id()));
    await()
        .dontCatchUncaughtExceptions()
        .atMost(Duration.ofSeconds(10))
        .until(() -> coordinator.pendingCount() == 0);
  }

  @Test
  void jobsOfTwoTargetsThatRestartTheSameDeploymentRunOneAfterTheOtherAndOthersRunMeanwhile() {
    Gated runner = new Gated();
    coordinator = started(runner);
    Job first = rollout("shop/key-a", "shop", List.of("app", "worker-a"));
    Job second = rollout("shop/key-b", "shop", List.of("worker-b", "app"));
    Job elsewhere = rollout("billing/key", "billing", List.of("app"));

    coordinator.accept(first);
    coordinator.accept(second);
    coordinator.accept(elsewhere);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(runner.active).containsExactlyInAnyOrder(first.id(), elsewhere.id()));
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(runner.active).doesNotContain(second.id()));
    assertThat(coordinator.pendingCount()).isEqualTo(3);

    runner.release(first.id());

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(runner.active).containsExactlyInAnyOrder(second.id(), elsewhere.id()));
    runner.release(second.id());
    runner.release(elsewhere.id());
    await().atMost(Duration.ofSeconds(10)).until(() -> coordinator.pendingCount() == 0);
    assertThat(ran).containsExactlyInAnyOrder(first.id(), second.id(), elsewhere.id());
  }

  @Test
  void aJobWaitingForASharedDeploymentKeepsTheNextJobOfItsOwnTargetBehindIt() {
    Gated runner = new Gated();
    coordinator = started(runner);
    Job holder = rollout("shop/key-a", "shop", List.of("app"));
    Job waiting = rollout("shop/key-b", "shop", List.of("app"));
    Job later = rollout("shop/key-b", "shop", List.of("worker-b"));

    coordinator.accept(holder);
    coordinator.accept(waiting);
    coordinator.accept(later);

    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(runner.active).containsExactly(holder.id()));
    runner.release(holder.id());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(runner.active).containsExactly(waiting.id()));
    runner.release(waiting.id());
    runner.release(later.id());
    await().atMost(Duration.ofSeconds(10)).until(() -> coordinator.pendingCount() == 0);
    assertThat(ran).containsExactly(holder.id(), waiting.id(), later.id());
  }

  @Test
  void aRunningRolloutWhoseRotationIsRolledBackIsCancelledWhenItComesBackHeldForItsWindow() {
    Gated runner = new Gated().returningHeld();
    coordinator = started(runner);
    Job job = rollout("shop/key-a", "shop", List.of("app"));
    coordinator.accept(job);
    await().atMost(Duration.ofSeconds(10)).until(() -> runner.active.contains(job.id()));

    // The rollback arrives while the job runs; the job then finds its window closed.
    assertThat(coordinator.cancelRotation(job.rotationId())).as("it was running").isTrue();
    runner.release(job.id());

    await().atMost(Duration.ofSeconds(10)).until(() -> ended.containsKey(job.id()));
    assertThat(ended).containsEntry(job.id(), "cancelled");
    assertThat(runner.decisionsSent).containsExactly(job.id());
    assertThat(coordinator.waitingCount())
        .as("held rollouts that would run when the window opens")
        .isZero();
  }

  @Test
  void aRunningRolloutHeldForItsWindowWaitsForIt() {
    Gated runner = new Gated().returningHeld();
    coordinator = started(runner);
    Job job = rollout("shop/key-a", "shop", List.of("app"));
    coordinator.accept(job);
    await().atMost(Duration.ofSeconds(10)).until(() -> runner.active.contains(job.id()));

    runner.release(job.id());

    await().atMost(Duration.ofSeconds(10)).until(() -> coordinator.waitingCount() == 1);
    assertThat(ended).doesNotContainKey(job.id());
    assertThat(runner.decisionsSent).isEmpty();
  }

  private Coordinator started(StageRunner runner) {
    ClusterAgentConfig config = config();
    Coordinator started =
        new Coordinator(
            runner, new EmptyJournal(config), config, Clock.systemUTC(), new SimpleMeterRegistry());
    started.start();
    started.awaitReady();
    return started;
  }

  private static Job rollout() {
    EventEnvelope cause = SampleEvents.envelope(EventType.MANIFEST_APPROVED);
    return Job.of(
        Job.Kind.ROLLOUT,
        new EventEnvelope(
            UUID.randomUUID().toString(),
            cause.type(),
            cause.source(),
            cause.subject(),
            cause.rotationId(),
            cause.time(),
            cause.data()));
  }

  /** A rollout of {@code target} whose stage on aether-staging restarts {@code deployments}. */
  private static Job rollout(String target, String namespace, List<String> deployments) {
    Plan sample = SampleEvents.plan();
    Stage stage = sample.stages().get(0);
    Plan plan =
        new Plan(
            target,
            namespace,
            target.substring(target.indexOf('/') + 1),
            sample.keyring(),
            sample.manifest(),
            List.of(
                new Stage(
                    stage.cluster(),
                    deployments,
                    stage.soak(),
                    stage.thresholds(),
                    null,
                    stage.sealingCertificate())),
            sample.approvals(),
            sample.verification(),
            sample.escrowRecipients());
    ManifestApproved sampleData = (ManifestApproved) SampleEvents.of(EventType.MANIFEST_APPROVED);
    ManifestApproved data =
        new ManifestApproved(
            "rot-" + UUID.randomUUID(),
            target,
            plan,
            sampleData.fingerprint(),
            sampleData.mergeCommit(),
            sampleData.distributeCommit(),
            sampleData.promoteCommit(),
            sampleData.approvers(),
            false);
    return Job.of(
        Job.Kind.ROLLOUT,
        new EventEnvelope(
            UUID.randomUUID().toString(),
            data.type(),
            "/rotor/manifest-service",
            data.subject(),
            data.rotationId(),
            SampleEvents.AT,
            data));
  }

  private static ClusterAgentConfig config() {
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withMapping(ClusterAgentConfig.class)
            .withDefaultValues(
                Map.of(
                    "rotor.cluster-agent.cluster", "aether-staging",
                    "rotor.cluster-agent.policy-file", "/nonexistent/policy.yaml",
                    "rotor.cluster-agent.rollout.concurrency", "2"))
            .build();
    return config.getConfigMapping(ClusterAgentConfig.class);
  }

  /** Fails the first job it runs with {@code failure}, runs the others to their end. */
  private final class Throwing extends StageRunner {
    private final Throwable failure;

    Throwing(Throwable failure) {
      super(null, null, null, null, null, null, null, null, Clock.systemUTC());
      this.failure = failure;
    }

    @Override
    public Job run(Job job, BooleanSupplier cancelled) {
      ran.add(job.id());
      if (ran.size() == 1) {
        if (failure instanceof Error error) {
          throw error;
        }
        throw (RuntimeException) failure;
      }
      return null;
    }
  }

  /** Runs each job until the test releases it; {@link #active} are the jobs running now. */
  private final class Gated extends StageRunner {
    final Set<String> active = ConcurrentHashMap.newKeySet();
    final List<String> decisionsSent = new CopyOnWriteArrayList<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private boolean held;

    Gated() {
      super(null, null, null, null, null, null, null, null, Clock.systemUTC());
    }

    /** Each job comes back held for its maintenance window, a month on. */
    Gated returningHeld() {
      held = true;
      return this;
    }

    void release(String jobId) {
      gates.computeIfAbsent(jobId, id -> new CountDownLatch(1)).countDown();
    }

    @Override
    public void sendRecordedDecision(Job job) {
      decisionsSent.add(job.id());
    }

    @Override
    public Job run(Job job, BooleanSupplier cancelled) {
      ran.add(job.id());
      active.add(job.id());
      try {
        gates.computeIfAbsent(job.id(), id -> new CountDownLatch(1)).await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        active.remove(job.id());
      }
      return held ? job.waitUntil(Instant.now().plus(Duration.ofDays(30))) : null;
    }
  }

  /** Jobs the journal recorded as ended, and how. */
  private final Map<String, String> ended = new ConcurrentHashMap<>();

  /** A journal with nothing pending, kept nowhere. */
  private final class EmptyJournal extends JobJournal {
    EmptyJournal(ClusterAgentConfig config) {
      super(null, config, Clock.systemUTC(), new AgentMetrics(new SimpleMeterRegistry()));
    }

    @Override
    public List<Job> load() {
      return List.of();
    }

    @Override
    public void done(String eventId, Job.Kind kind, String outcome) {
      ended.put(eventId, outcome);
    }

    @Override
    public String location() {
      return "nowhere";
    }
  }
}
