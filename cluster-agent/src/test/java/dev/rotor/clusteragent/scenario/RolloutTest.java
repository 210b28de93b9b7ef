package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.kubernetes.ApiFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher.InjectedFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.testsupport.kubernetes.RolloutSimulator.Behaviour;
import dev.rotor.testsupport.kubernetes.RolloutSimulator.Rollout;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A rotation's stage on this cluster, as it should go: both phases, in order. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutTest extends AgentScenario {

  @Test
  void
      anApprovedManifestIsDistributedThenPromotedRestartingEachDeploymentOncePerPhaseInPlanOrder() {
    Targets.Target target = Targets.PAYMENTS;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);

    send(approved(rotation));

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    List<EventEnvelope> events = events(rotation.id());
    assertThat(events)
        .extracting(e -> e.type().eventName() + " " + phaseOf(e.data()).id())
        .containsExactly(
            "rollout.started distribute",
            "rollout.completed distribute",
            "rollout.started promote",
            "rollout.completed promote");
    assertThat(((RolloutStarted) events.get(0).data()).commit())
        .isEqualTo(rotation.distributeCommit());
    assertThat(((RolloutStarted) events.get(2).data()).commit())
        .isEqualTo(rotation.promoteCommit());

    RolloutCompleted distributed = (RolloutCompleted) events.get(1).data();
    assertThat(distributed.cluster()).isEqualTo(Targets.CLUSTER);
    assertThat(distributed.commit()).isEqualTo(rotation.distributeCommit());
    assertThat(distributed.observedFingerprint()).isEqualTo(rotation.newKey().fingerprint());
    assertThat(distributed.observedPrimaryKeyId()).isEqualTo(old.keyId());
    RolloutCompleted promoted = (RolloutCompleted) events.get(3).data();
    assertThat(promoted.observedFingerprint()).isEqualTo(rotation.newKey().fingerprint());
    assertThat(promoted.observedPrimaryKeyId()).isEqualTo(rotation.newKey().keyId());
    assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());

    List<Pod> running = api.client().pods().inNamespace(target.namespace()).list().getItems();
    assertThat(promoted.pods())
        .hasSize(4)
        .extracting(PodStatus::name)
        .containsExactlyInAnyOrderElementsOf(
            running.stream().map(pod -> pod.getMetadata().getName()).toList());
    assertThat(promoted.pods())
        .extracting(PodStatus::deployment)
        .containsExactly("payments-api", "payments-api", "payments-worker", "payments-worker");
    assertThat(promoted.pods())
        .allSatisfy(
            pod ->
                assertThat(pod.startedAt())
                    .isAfterOrEqualTo(distributed.completedAt().minusSeconds(1)));

    List<Rollout> first = api.rollouts().rollouts(target.namespace(), "payments-api");
    List<Rollout> second = api.rollouts().rollouts(target.namespace(), "payments-worker");
    assertThat(first).hasSize(2);
    assertThat(second).hasSize(2);
    assertThat(first.get(0).templateAnnotations())
        .containsEntry("rotor.dev/rotation", rotation.id() + "/distribute")
        .containsEntry("rotor.dev/target", target.id())
        .containsKey("rotor.dev/restarted-at")
        .containsKey("kubectl.kubernetes.io/restartedAt");
    assertThat(first.get(1).templateAnnotations())
        .containsEntry("rotor.dev/rotation", rotation.id() + "/promote");
    assertThat(first.get(0).completedAt())
        .as("the second Deployment restarts after the first rolled out")
        .isBeforeOrEqualTo(second.get(0).startedAt());
    assertThat(second.get(0).completedAt()).isBeforeOrEqualTo(first.get(1).startedAt());
  }

  @Test
  void aSealedSecretIsAppliedAndTheRolloutWaitsUntilTheControllerWroteTheExpectedKey() {
    Targets.Target target = Targets.VAULT;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);

    send(approved(rotation));

    RolloutCompleted promoted =
        (RolloutCompleted) awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE).data();
    RolloutCompleted distributed =
        (RolloutCompleted) awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.DISTRIBUTE).data();
    assertThat(distributed.observedFingerprint()).isEqualTo(rotation.newKey().fingerprint());
    assertThat(distributed.observedPrimaryKeyId()).isEqualTo(old.keyId());
    assertThat(promoted.observedPrimaryKeyId()).isEqualTo(rotation.newKey().keyId());
    assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());
    assertThat(sealedSecrets().unsealCount(target.namespace(), target.secret()))
        .as("the initial SealedSecret, distribute and promote")
        .isEqualTo(3);
    assertThat(restarts(target, "vault-reader")).isEqualTo(2);
    assertThat(restarts(target, "vault-writer")).isEqualTo(2);
  }

  @Test
  void aSecretTheAgentMayNotWatchIsReadEveryPollIntervalInstead() {
    Targets.Target target = Targets.UNWATCHABLE;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    String secrets = "/api/v1/namespaces/" + target.namespace() + "/secrets";
    String sealed =
        "/apis/bitnami.com/v1alpha1/namespaces/" + target.namespace() + "/sealedsecrets";
    InjectedFault noSecretWatch =
        api.dispatcher().inject("GET", secrets, ApiFault.forbidden("cannot watch secrets"), -1);
    InjectedFault noSealedWatch =
        api.dispatcher().inject("GET", sealed, ApiFault.forbidden("cannot watch them"), -1);
    try {
      send(approved(rotation));

      RolloutCompleted promoted =
          (RolloutCompleted) awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE).data();
      assertThat(promoted.observedPrimaryKeyId()).isEqualTo(rotation.newKey().keyId());
      assertThat(api.dispatcher().requests("GET", secrets))
          .as("the agent tried to watch the Secret, was refused, and read it instead")
          .anyMatch(request -> request.query().contains("watch=true"));
      assertThat(restarts(target, "app")).isEqualTo(2);
    } finally {
      noSecretWatch.remove();
      noSealedWatch.remove();
    }
  }

  @Test
  void aDeploymentTheAgentMayNotWatchIsReadEveryResyncWithOneWarningAndNoResumeCounted()
      throws Exception {
    Targets.Target target = Targets.BLIND;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    InjectedFault noWatch =
        api.dispatcher()
            .inject(
                "GET",
                "/apis/apps/v1/namespaces/" + target.namespace() + "/deployments",
                ApiFault.forbidden("cannot watch deployments"),
                -1);
    double resumed = resumedWatches();
    api.rollouts().behave(target.namespace(), "app", Behaviour.STALL);
    try {
      send(approved(rotation));
      // Refused again at every read of distribute's wait (each resync, each pod change).
      await().atMost(TIMEOUT).until(() -> noWatch.hits() >= 2);
      api.rollouts().complete(target.namespace(), "app");

      awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    } finally {
      noWatch.remove();
    }
    assertThat(resumedWatches())
        .as("a watch that was never open is not resumed")
        .isEqualTo(resumed);
    String logged = Files.readString(Paths.get(logFile), UTF_8);
    assertThat(logged).doesNotContain("the watch of Deployment blind/app was closed by the server");
    assertThat(logged.split("cannot watch Deployment blind/app", -1).length - 1)
        .as("warned once per wait (distribute's, and promote's if it waited)")
        .isBetween(1, 2);
  }

  @Test
  void twoTargetsThatShareADeploymentRotatedAtTheSameTimeBothCompleteWithoutATimeout() {
    Targets.Target a = Targets.SHARED_A;
    Targets.Target b = Targets.SHARED_B;
    TestKey oldA = seed(a);
    TestKey oldB = seed(b);
    Rotation first = rotate(a, oldA);
    Rotation second = rotate(b, oldB);
    // The first restart of shared/app stays in progress until the test lets it finish.
    api.rollouts().behave(a.namespace(), "app", Behaviour.STALL);

    send(approved(first));
    send(approved(second));

    await().atMost(TIMEOUT).until(() -> restarts(a, "app") == 1);
    await().during(Duration.ofSeconds(1)).atMost(TIMEOUT).until(() -> restarts(a, "app") == 1);
    api.rollouts().complete(a.namespace(), "app");

    awaitEvent(first.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    awaitEvent(second.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    for (Rotation rotation : List.of(first, second)) {
      assertThat(events(rotation.id()))
          .as("events of %s", rotation.target().id())
          .noneMatch(e -> e.type() == EventType.ROLLOUT_FAILED);
      assertThat(primaryOf(rotation.target())).isEqualTo(rotation.newKey().keyId());
    }
    List<String> marks =
        api.rollouts().rollouts(a.namespace(), "app").stream()
            .map(r -> r.templateAnnotations().get("rotor.dev/rotation"))
            .toList();
    Rotation earlier = marks.get(0).startsWith(first.id() + "/") ? first : second;
    Rotation later = earlier == first ? second : first;
    assertThat(marks)
        .as("one job's phases, then the other's: never two restarts of shared/app at once")
        .containsExactly(
            earlier.id() + "/distribute",
            earlier.id() + "/promote",
            later.id() + "/distribute",
            later.id() + "/promote");
  }

  @Test
  void aManifestInAnSshRepositoryIsReadOverSshWithTheAgentsReadOnlyKey() {
    Targets.Target target = Targets.OVER_SSH;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);

    send(approved(rotation));

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(events(rotation.id()))
        .extracting(e -> e.type().eventName() + " " + phaseOf(e.data()).id())
        .containsExactly(
            "rollout.started distribute",
            "rollout.completed distribute",
            "rollout.started promote",
            "rollout.completed promote");
    assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());
    assertThat(env.ssh().servedRepositories()).contains(AgentEnvironment.REPOSITORY);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noKeyOrGitCredentialLeakedAndEveryRequestWasWithinTheAgentsRole() throws Exception {
    assertNothingLeaked();
    assertEveryRequestWasWithinTheAgentsRole();
  }

  private double resumedWatches() {
    var counter = registry.find("rotor.cluster-agent.watch.resumed").counter();
    return counter == null ? 0 : counter.count();
  }
}
