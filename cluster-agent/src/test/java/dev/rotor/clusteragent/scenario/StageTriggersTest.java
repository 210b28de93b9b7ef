package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLOUT_STARTED;
import static dev.rotor.common.event.EventType.ROLLOUT_WAITING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * When a stage starts: after the previous stage's verification passed, and inside its maintenance
 * window, whose wait survives an agent restart. The agent's clock is moved, never waited for.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StageTriggersTest extends AgentScenario {

  @Test
  void aLaterStageStartsWhenThePreviousStagePassedWithTheCommitsItsTrailersName() {
    Targets.Target target = Targets.SECOND_STAGE;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);

    send(approved(rotation));
    send(passed(rotation, Targets.CLUSTER));
    send(passed(rotation, Targets.CANARY));

    RolloutCompleted promoted =
        (RolloutCompleted) awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE).data();
    assertThat(promoted.commit()).isEqualTo(rotation.promoteCommit());
    assertThat(promoted.observedPrimaryKeyId()).isEqualTo(rotation.newKey().keyId());
    List<EventEnvelope> started =
        events(rotation.id()).stream().filter(e -> e.type() == ROLLOUT_STARTED).toList();
    assertThat(started)
        .as("only the canary's verification starts this stage")
        .extracting(e -> ((RolloutStarted) e.data()).commit())
        .containsExactly(rotation.distributeCommit(), rotation.promoteCommit());
    assertThat(restarts(target, "app")).isEqualTo(2);
  }

  @Test
  void aStageOutsideItsWindowWaitsThroughAnAgentRestartAndStartsWhenTheWindowOpens() {
    Targets.Target target = Targets.WINDOW;
    Instant opening =
        LocalDate.now(ZoneOffset.UTC).atTime(LocalTime.of(2, 0)).toInstant(ZoneOffset.UTC);
    clock.setTo(opening.minus(Duration.ofHours(1)));
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);

    send(passed(rotation, Targets.CANARY));

    RolloutWaiting waiting = (RolloutWaiting) awaitEvent(rotation.id(), ROLLOUT_WAITING).data();
    assertThat(waiting.startsAt()).isEqualTo(opening);
    assertThat(waiting.phase()).isEqualTo(Phase.DISTRIBUTE);
    assertThat(waiting.cluster()).isEqualTo(Targets.CLUSTER);

    coordinator.stop();
    coordinator.start();
    await().atMost(TIMEOUT).until(coordinator::isReady);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(TIMEOUT)
        .until(() -> restarts(target, "app") == 0 && events(rotation.id()).size() == 1);

    clock.setTo(opening.plusSeconds(1));

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(events(rotation.id()))
        .filteredOn(e -> e.type() == ROLLOUT_WAITING)
        .as("the restart does not announce the wait again")
        .hasSize(1);
    assertThat(restarts(target, "app")).isEqualTo(2);
  }

  @Test
  void aRollbackBeforeAWaitingStageStartedCancelsIt() {
    Targets.Target target = Targets.WINDOW_CANCELLED;
    Instant opening =
        LocalDate.now(ZoneOffset.UTC).atTime(LocalTime.of(2, 0)).toInstant(ZoneOffset.UTC);
    clock.setTo(opening.minus(Duration.ofMinutes(30)));
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    send(approved(rotation));
    awaitEvent(rotation.id(), ROLLOUT_WAITING);
    double skipped = skipped("not-applied");

    send(rolledBack(rotation, commitRollback(rotation), List.of()));
    await().atMost(TIMEOUT).until(() -> skipped("not-applied") > skipped);
    clock.setTo(opening.plusSeconds(1));

    await()
        .during(Duration.ofSeconds(2))
        .atMost(TIMEOUT)
        .until(() -> restarts(target, "app") == 0 && events(rotation.id()).size() == 1);
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  @Test
  void aStageHeldByItsWindowRollsOutAfterAKubectlRolloutRestartOfItsDeploymentMeanwhile() {
    Targets.Target target = Targets.WINDOW_KUBECTL;
    Instant opening =
        LocalDate.now(ZoneOffset.UTC).atTime(LocalTime.of(2, 0)).toInstant(ZoneOffset.UTC);
    clock.setTo(opening.minus(Duration.ofHours(2)));
    TestKey old = seed(target);
    String monthsAgo = opening.minus(Duration.ofDays(90)).toString();
    patchTemplate(
        target,
        Map.of(
            "rotor.dev/rotation",
            "rot-earlier/promote",
            "rotor.dev/restarted-at",
            monthsAgo,
            "rotor.dev/target",
            target.id(),
            "kubectl.kubernetes.io/restartedAt",
            monthsAgo));
    await().atMost(TIMEOUT).until(() -> restarts(target, "app") == 1);
    Rotation rotation = rotate(target, old);
    send(envelope(approved(rotation).data(), "manifest-service", clock.instant()));
    awaitEvent(rotation.id(), ROLLOUT_WAITING);

    // An SRE's `kubectl rollout restart deploy/app` while the stage waits for its window.
    patchTemplate(
        target,
        Map.of("kubectl.kubernetes.io/restartedAt", opening.minus(Duration.ofHours(1)).toString()));
    await().atMost(TIMEOUT).until(() -> restarts(target, "app") == 2);
    double stale = skipped("stale");
    clock.setTo(opening.plusSeconds(1));

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(events(rotation.id())).noneMatch(e -> e.type() == EventType.ROLLOUT_FAILED);
    assertThat(restarts(target, "app")).isEqualTo(4);
    assertThat(skipped("stale")).isEqualTo(stale);
    assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());
  }

  private void patchTemplate(Targets.Target target, Map<String, String> annotations) {
    api.client()
        .apps()
        .deployments()
        .inNamespace(target.namespace())
        .withName("app")
        .edit(
            deployment -> {
              var metadata = deployment.getSpec().getTemplate().getMetadata();
              Map<String, String> merged = new java.util.HashMap<>();
              if (metadata.getAnnotations() != null) {
                merged.putAll(metadata.getAnnotations());
              }
              merged.putAll(annotations);
              metadata.setAnnotations(merged);
              return deployment;
            });
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noKeyOrGitCredentialLeakedAndEveryRequestWasWithinTheAgentsRole() throws Exception {
    assertNothingLeaked();
    assertEveryRequestWasWithinTheAgentsRole();
  }
}
