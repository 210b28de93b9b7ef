package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLOUT_FAILED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A phase goes on as soon as the sealed-secrets controller has written the Secret, woken by its
 * watch, not at the next read of the Secret: the poll here is 30 s, longer than any wait below.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(
    value = AgentTestEnvironment.class,
    initArgs = {
      @ResourceArg(name = "rotor.cluster-agent.apply.poll-interval", value = "PT30S"),
      @ResourceArg(name = "rotor.cluster-agent.apply.unseal-timeout", value = "PT2M")
    })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecretWatchTest extends AgentScenario {
  /** Well within the 30 s poll: only a watch can end the waits this soon. */
  private static final Duration WITHIN_THE_POLL = Duration.ofSeconds(20);

  @Test
  void aPhaseGoesOnAsSoonAsTheControllerUnsealsTheSecretNotAtTheNextPoll() {
    Targets.Target target = Targets.UNSEALING;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    sealedSecrets().silent(true);
    try {
      send(approved(rotation));
      // The agent applied the SealedSecret, found the Secret without the new key and watches it.
      await().atMost(TIMEOUT).until(() -> secretWatchesOf(target) > 0);
    } finally {
      sealedSecrets().resume();
    }

    await().atMost(WITHIN_THE_POLL).until(() -> completed(rotation, Phase.PROMOTE));
    RolloutCompleted promoted =
        (RolloutCompleted) awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE).data();
    assertThat(promoted.observedPrimaryKeyId()).isEqualTo(rotation.newKey().keyId());
    assertThat(restarts(target, "app")).isEqualTo(2);
    assertThat(events(rotation.id())).noneMatch(e -> e.type() == ROLLOUT_FAILED);
  }

  @Test
  void aSecretWatchTheServerClosesIsOpenedAgainAndStillEndsTheWait() {
    Targets.Target target = Targets.REWATCH;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    sealedSecrets().silent(true);
    try {
      send(approved(rotation));
      await().atMost(TIMEOUT).until(() -> secretWatchesOf(target) > 0);
      int watched = secretWatchesOf(target);

      assertThat(api.dispatcher().dropWatches()).isPositive();
      await().atMost(TIMEOUT).until(() -> secretWatchesOf(target) > watched);
    } finally {
      sealedSecrets().resume();
    }

    await().atMost(WITHIN_THE_POLL).until(() -> completed(rotation, Phase.PROMOTE));
    assertThat(events(rotation.id())).noneMatch(e -> e.type() == ROLLOUT_FAILED);
    assertThat(restarts(target, "app")).isEqualTo(2);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void everyRequestWasWithinTheAgentsRole() {
    assertEveryRequestWasWithinTheAgentsRole();
  }

  private boolean completed(Rotation rotation, Phase phase) {
    return events(rotation.id()).stream()
        .map(EventEnvelope::data)
        .anyMatch(data -> data instanceof RolloutCompleted done && done.phase() == phase);
  }

  private int secretWatchesOf(Targets.Target target) {
    return (int)
        api
            .dispatcher()
            .requests("GET", "/api/v1/namespaces/" + target.namespace() + "/secrets")
            .stream()
            .filter(r -> r.query().contains("watch=true"))
            .count();
  }
}
