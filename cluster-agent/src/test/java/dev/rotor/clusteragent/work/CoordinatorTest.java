package dev.rotor.clusteragent.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
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

  /** A journal with nothing pending, kept nowhere. */
  private static final class EmptyJournal extends JobJournal {
    EmptyJournal(ClusterAgentConfig config) {
      super(null, config, Clock.systemUTC());
    }

    @Override
    public List<Job> load() {
      return List.of();
    }

    @Override
    public String location() {
      return "nowhere";
    }
  }
}
