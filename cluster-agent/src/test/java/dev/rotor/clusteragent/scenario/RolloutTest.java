package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.kubernetes.ApiFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher.InjectedFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.testsupport.kubernetes.RolloutSimulator.Rollout;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
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
  @Order(Integer.MAX_VALUE)
  void noKeyOrGitCredentialLeakedAndEveryRequestWasWithinTheAgentsRole() throws Exception {
    assertNothingLeaked();
    assertEveryRequestWasWithinTheAgentsRole();
  }
}
