package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLBACK_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLOUT_FAILED;
import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.clusteragent.work.Job;
import dev.rotor.clusteragent.work.JobJournal;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.kubernetes.ApiFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The state ConfigMap keeps to {@code state.max-bytes} (here the smallest allowed, 64 KiB): the API
 * server refuses a ConfigMap over 1 MiB, and an agent that cannot write its journal can do nothing,
 * rollbacks included. The tests read the ConfigMap back and measure it; the mock API server refuses
 * it past a limit as the real one does, which one test lowers below the budget.
 */
@QuarkusTest
@TestProfile(StateBudgetTest.SmallState.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StateBudgetTest extends AgentScenario {
  static final int MAX_BYTES = 65536;

  public static class SmallState implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("rotor.cluster-agent.state.max-bytes", String.valueOf(MAX_BYTES));
    }
  }

  @Inject JobJournal journal;

  @Test
  @Order(1)
  void endedJobsPastTheBudgetAreForgottenOldestFirstAndTheConfigMapStaysWithinIt() {
    Targets.Target target = Targets.EVICTED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    send(approved);
    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    int sent = events(rotation.id()).size();
    String refused = "refused-" + UUID.randomUUID();
    journal.done(refused, Job.Kind.ROLLOUT, "refused NOT_PERMITTED");
    String rolledBack = "rot-" + UUID.randomUUID();
    journal.rolledBack(rolledBack, "rolled-back-event");
    clock.advance(Duration.ofMinutes(1));
    List<String> ids = new ArrayList<>();
    for (int i = 0; ids.size() < 400; i++) {
      String id = "ended-" + i + "-" + UUID.randomUUID();
      journal.done(id, Job.Kind.ROLLOUT, "completed");
      ids.add(id);
      clock.advance(Duration.ofMinutes(1));
    }

    assertThat(storedBytes())
        .as("the ConfigMap as the API server holds it")
        .isLessThanOrEqualTo(MAX_BYTES);
    assertThat(journal.bytes()).isEqualTo(storedBytes());
    assertThat(journal.knows(ids.get(0))).as("the oldest is forgotten early").isFalse();
    assertThat(journal.knows(ids.get(ids.size() - 1))).as("the newest is kept").isTrue();
    int kept = (int) ids.stream().filter(journal::knows).count();
    assertThat(ids.subList(ids.size() - kept, ids.size()))
        .as("what is kept is the newest, without gaps")
        .allMatch(journal::knows);
    assertThat(kept).as("an hour's worth at the least").isGreaterThanOrEqualTo(60);
    assertThat(journal.knows(refused)).as("a refusal left no mark: it is kept").isTrue();
    assertThat(journal.isRolledBack(rolledBack))
        .as("a rolled-back record keeps the rotation's later stages from starting: it is kept")
        .isTrue();

    // The rotation's own entry was forgotten too; a replay of its event, after a restart, is
    // still recognised (by its marks, older than what the journal remembers) and sends nothing.
    assertThat(journal.knows(approved.id())).isFalse();
    coordinator.stop();
    coordinator.start();
    double forgotten = skipped("forgotten");
    send(approved);

    await().atMost(TIMEOUT).until(() -> skipped("forgotten") >= forgotten + 1);
    assertThat(events(rotation.id())).hasSize(sent);
    assertThat(restarts(target, "app")).isEqualTo(2);

    forgetEveryEndedJob();
  }

  @Test
  @Order(2)
  void anApiServerThatTakesLessThanTheBudgetIsLearnedFromAndTheAgentKeepsWorking()
      throws Exception {
    // A policy engine (or a smaller server) refuses the ConfigMap well below state.max-bytes.
    int limit = 40_000;
    api.dispatcher().limitConfigMaps(limit);
    try {
      // Jobs ending a minute apart: within the budget, none is forgotten; before long the agent
      // asks for more than the server takes.
      List<String> ids = new CopyOnWriteArrayList<>();
      int patchesBefore = statePatches();
      CompletableFuture<Void> writes =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 400; i++) {
                  String id = "ended-" + i + "-" + UUID.randomUUID();
                  journal.done(id, Job.Kind.ROLLOUT, "completed");
                  ids.add(id);
                  clock.advance(Duration.ofMinutes(1));
                }
              });
      // Sending the refused patch again and again would never end.
      writes.get(2, TimeUnit.MINUTES);

      assertThat(journal.bytes()).isEqualTo(storedBytes());
      assertThat(storedValueBytes()).isLessThanOrEqualTo(limit);
      assertThat(journal.knows(ids.get(0))).as("the oldest is forgotten").isFalse();
      assertThat(journal.knows(ids.get(ids.size() - 1))).as("the newest is kept").isTrue();
      assertThat(statePatches() - patchesBefore)
          .as("the limit the server named is learned: one write is refused, no later one")
          .isEqualTo(ids.size() + 1);
      assertThat(ids.subList(ids.size() - 60, ids.size()))
          .as("what ended within the hour is still known")
          .allMatch(journal::knows);
      assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
          .as("the refusal is counted, for an alert")
          .containsPattern(
              "rotor_cluster_agent_state_writes_refused_total\\{[^}]*limit=\"named\"[^}]*\\} 1\\.0")
          .containsPattern(
              "rotor_cluster_agent_state_writes_refused_total\\{[^}]*limit=\"none\"[^}]*\\} 0\\.0");

      // The agent still rotates.
      Targets.Target target = Targets.REFUSED_STATE;
      TestKey old = seed(target);
      Rotation rotation = rotate(target, old);
      send(approved(rotation));
      awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
      assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());
      assertThat(storedValueBytes()).isLessThanOrEqualTo(limit);
    } finally {
      api.dispatcher().limitConfigMaps(KubernetesApiDispatcher.CONFIG_MAP_LIMIT);
    }

    // An admission policy refuses the write that forgets the old jobs once: it names no limit.
    api.dispatcher()
        .inject(
            "PATCH",
            ".*/configmaps/" + journal.location().split("/")[1],
            ApiFault.status(
                422,
                "Invalid",
                "admission webhook \"policy.example.com\" denied the request: not now"),
            1);
    forgetEveryEndedJob();
    assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
        .as("a refusal that names no limit is counted too")
        .containsPattern(
            "rotor_cluster_agent_state_writes_refused_total\\{[^}]*limit=\"none\"[^}]*\\} 1\\.0");
  }

  @Test
  @Order(3)
  void aNewStageIsRefusedWhenPendingJobsFillTheBudgetAndARollbackIsStillTakenIn() {
    Targets.Target target = Targets.CROWDED;
    TestKey old = seed(target);
    // Stages held by their maintenance windows until next month, as many as leave no room.
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job intake = Job.of(Job.Kind.ROLLOUT, approved); // what the agent will weigh
    coordinator.stop();
    int held = 0;
    while (journal.hasRoomFor(intake)) {
      journal.put(
          Job.of(Job.Kind.ROLLOUT, approved(rotate(target, old)))
              .waitUntil(clock.instant().plus(Duration.ofDays(30)))
              .announced());
      held++;
    }
    coordinator.start();
    assertThat(held).isPositive();

    send(approved);

    RolloutFailed failed = (RolloutFailed) awaitEvent(rotation.id(), ROLLOUT_FAILED).data();
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.AGENT_STATE_FULL);
    assertThat(failed.message())
        .contains(journal.location())
        .contains(held + " held by their maintenance windows")
        .contains("nothing was applied");
    assertThat(restarts(target, "app")).isZero();
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
    assertThat(given().get("/q/metrics").then().statusCode(200).extract().asString())
        .containsPattern("rotor_cluster_agent_rollouts_total\\{[^}]*reason=\"AGENT_STATE_FULL\"");

    // The manifest-service rolls the rotation back: that is never refused for room.
    send(rolledBack(rotation, commitRollback(rotation), List.of(Targets.CLUSTER)));

    awaitEvent(rotation.id(), ROLLBACK_COMPLETED);
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
    assertThat(storedBytes()).isLessThanOrEqualTo(MAX_BYTES);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noKeyOrGitCredentialLeakedAndEveryRequestWasWithinTheAgentsRole() throws Exception {
    assertNothingLeaked();
    assertEveryRequestWasWithinTheAgentsRole();
  }

  /** Past their retention, every ended entry goes at the next start: the next test starts empty. */
  private void forgetEveryEndedJob() {
    clock.advance(Duration.ofDays(15));
    coordinator.stop();
    coordinator.start();
    await().atMost(TIMEOUT).until(coordinator::isReady);
    assertThat(journal.bytes()).isLessThan(MAX_BYTES / 100);
  }

  /** Bytes of the state ConfigMap's data as the API server holds it (keys and values). */
  private long storedBytes() {
    return stored().entrySet().stream()
        .mapToLong(e -> e.getKey().length() + e.getValue().getBytes(UTF_8).length)
        .sum();
  }

  /** Bytes of the state ConfigMap's values, as the API server counts them against its limit. */
  private long storedValueBytes() {
    return stored().values().stream().mapToLong(v -> v.getBytes(UTF_8).length).sum();
  }

  private Map<String, String> stored() {
    String[] location = journal.location().split("/");
    return api.client().configMaps().inNamespace(location[0]).withName(location[1]).get().getData();
  }

  /** The patches the agent sent to its state ConfigMap so far, taken or refused. */
  private int statePatches() {
    return api.dispatcher()
        .requests("PATCH", ".*/configmaps/" + journal.location().split("/")[1])
        .size();
  }
}
