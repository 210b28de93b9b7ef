package dev.rotor.testsupport.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RolloutSimulatorTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  static KubernetesApiServer api;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    api = KubernetesApiServer.start();
    client = api.client();
    api.rollouts().readyAfter(Duration.ofMillis(300));
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  @Test
  void aCreatedDeploymentIsRolledOutAlready() {
    api.rollouts().createDeployment("created", "web", 2);

    Deployment web = deployment("created", "web");
    assertThat(web.getStatus().getObservedGeneration())
        .isEqualTo(web.getMetadata().getGeneration());
    assertThat(web.getStatus().getAvailableReplicas()).isEqualTo(2);
    assertThat(pods("created", "web")).hasSize(2);
    assertThat(api.rollouts().rolloutCount("created", "web")).isZero();
  }

  @Test
  void aRestartReplacesEveryPodAfterTheDelayAndReportsTheRolloutComplete() {
    api.rollouts().createDeployment("restart", "web", 2);
    Set<String> before = names(pods("restart", "web"));

    restart("restart", "web", "r1/distribute");

    await()
        .atMost(TIMEOUT)
        .until(() -> deployment("restart", "web").getStatus().getObservedGeneration() == 2L);
    assertThat(deployment("restart", "web").getStatus().getUpdatedReplicas()).isZero();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Deployment web = deployment("restart", "web");
              assertThat(web.getStatus().getUpdatedReplicas()).isEqualTo(2);
              assertThat(web.getStatus().getAvailableReplicas()).isEqualTo(2);
              assertThat(web.getStatus().getReplicas()).isEqualTo(2);
            });
    List<Pod> after = pods("restart", "web");
    assertThat(names(after)).hasSize(2).doesNotContainAnyElementsOf(before);
    assertThat(after)
        .allSatisfy(
            pod -> {
              assertThat(pod.getMetadata().getAnnotations())
                  .containsEntry("rotor.dev/rotation", "r1/distribute");
              assertThat(pod.getStatus().getStartTime()).isNotBlank();
            });
    RolloutSimulator.Rollout rollout = api.rollouts().rollouts("restart", "web").get(0);
    assertThat(rollout.completedAt()).isNotNull();
    assertThat(rollout.pods()).containsExactlyInAnyOrderElementsOf(names(after));
  }

  @Test
  void aDeploymentToldToFailExceedsItsProgressDeadline() {
    api.rollouts().createDeployment("failing", "web", 1);
    api.rollouts().behave("failing", "web", RolloutSimulator.Behaviour.PROGRESS_DEADLINE_EXCEEDED);

    restart("failing", "web", "r1/distribute");

    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                deployment("failing", "web").getStatus().getConditions().stream()
                    .anyMatch(
                        c ->
                            c.getType().equals("Progressing")
                                && c.getReason().equals("ProgressDeadlineExceeded")));
    assertThat(deployment("failing", "web").getStatus().getAvailableReplicas()).isEqualTo(1);
  }

  @Test
  void newPodsServeTheirLogLines() {
    api.rollouts().createDeployment("logs", "web", 1);
    api.rollouts().logLines("logs", "web", List.of("started", "encryption self-test passed"));

    restart("logs", "web", "r1/distribute");

    await()
        .atMost(TIMEOUT)
        .until(() -> api.rollouts().rollouts("logs", "web").get(0).completedAt() != null);
    String pod = api.rollouts().rollouts("logs", "web").get(0).pods().get(0);
    assertThat(client.pods().inNamespace("logs").withName(pod).getLog())
        .contains("encryption self-test passed");
  }

  private static void restart(String namespace, String name, String value) {
    client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.STRATEGIC_MERGE),
            "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"rotor.dev/rotation\":\""
                + value
                + "\"}}}}}");
  }

  private static Deployment deployment(String namespace, String name) {
    return client.apps().deployments().inNamespace(namespace).withName(name).get();
  }

  private static List<Pod> pods(String namespace, String app) {
    return client.pods().inNamespace(namespace).withLabel("app", app).list().getItems();
  }

  private static Set<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }
}
