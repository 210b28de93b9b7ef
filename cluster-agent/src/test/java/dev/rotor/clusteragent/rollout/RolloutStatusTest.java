package dev.rotor.clusteragent.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutStatusTest {
  private static final String MARK = "r1/distribute";

  @Test
  void aGenerationTheControllerHasNotObservedIsStillWaiting() {
    assertThat(RolloutStatus.of(deployment(3, 2, 2, 2, 2, 2, null), pods(2, MARK), MARK))
        .isEqualTo(
            new RolloutStatus.Waiting(
                "waiting for the Deployment controller to observe generation 3"));
  }

  @Test
  void progressDeadlineExceededFailsEvenWhileReplicasAreMissing() {
    assertThat(
            RolloutStatus.of(
                deployment(2, 2, 2, 1, 3, 2, "ProgressDeadlineExceeded"), pods(3, MARK), MARK))
        .isInstanceOf(RolloutStatus.Failed.class);
  }

  @Test
  void updatedOldAndUnavailableReplicasAreWaitedForLikeKubectlRolloutStatus() {
    assertThat(RolloutStatus.of(deployment(2, 2, 2, 1, 2, 2, null), pods(2, MARK), MARK))
        .isEqualTo(new RolloutStatus.Waiting("1 of 2 new replicas have been updated"));
    assertThat(RolloutStatus.of(deployment(2, 2, 2, 2, 3, 2, null), pods(3, MARK), MARK))
        .isEqualTo(new RolloutStatus.Waiting("1 old replicas are pending termination"));
    assertThat(RolloutStatus.of(deployment(2, 2, 2, 2, 2, 1, null), pods(2, MARK), MARK))
        .isEqualTo(new RolloutStatus.Waiting("1 of 2 updated replicas are available"));
  }

  @Test
  void aPodWithoutThePhasesMarkOrBeingDeletedIsAnOldPodToWaitFor() {
    Pod unmarked = pod("web-old", "r0/promote", false);
    Pod terminating = pod("web-gone", MARK, true);

    assertThat(
            RolloutStatus.of(
                deployment(2, 2, 2, 2, 2, 2, null),
                List.of(pod("web-a", MARK, false), unmarked, terminating),
                MARK))
        .isEqualTo(new RolloutStatus.Waiting("2 old pods are still running: web-gone, web-old"));
  }

  @Test
  void aCompleteRolloutReportsEachNewPodWithItsStartTime() {
    RolloutStatus status =
        RolloutStatus.of(
            deployment(2, 2, 2, 2, 2, 2, null),
            List.of(pod("web-b", MARK, false), pod("web-a", MARK, false)),
            MARK);

    assertThat(status).isInstanceOf(RolloutStatus.Done.class);
    assertThat(((RolloutStatus.Done) status).pods())
        .extracting(p -> p.deployment() + " " + p.name() + " " + p.startedAt())
        .containsExactly("web web-a 2026-11-26T06:00:00Z", "web web-b 2026-11-26T06:00:00Z");
  }

  @Test
  void aDeploymentScaledToZeroIsRolledOutWithNoPods() {
    assertThat(RolloutStatus.of(deployment(2, 2, 0, 0, 0, 0, null), List.of(), MARK))
        .isEqualTo(new RolloutStatus.Done(List.of()));
  }

  private static Deployment deployment(
      long generation,
      long observed,
      int desired,
      int updated,
      int replicas,
      int available,
      String progressingReason) {
    DeploymentBuilder builder =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("web")
            .withGeneration(generation)
            .endMetadata()
            .withNewSpec()
            .withReplicas(desired)
            .endSpec()
            .withNewStatus()
            .withObservedGeneration(observed)
            .withUpdatedReplicas(updated)
            .withReplicas(replicas)
            .withAvailableReplicas(available)
            .endStatus();
    if (progressingReason != null) {
      builder
          .editStatus()
          .addToConditions(
              new DeploymentConditionBuilder()
                  .withType("Progressing")
                  .withStatus("False")
                  .withReason(progressingReason)
                  .withMessage("ReplicaSet \"web-1\" has timed out progressing.")
                  .build())
          .endStatus();
    }
    return builder.build();
  }

  private static List<Pod> pods(int count, String mark) {
    return java.util.stream.IntStream.range(0, count)
        .mapToObj(i -> pod("web-" + i, mark, false))
        .toList();
  }

  private static Pod pod(String name, String mark, boolean deleting) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .addToAnnotations(RolloutMark.ROTATION_ANNOTATION, mark)
        .withDeletionTimestamp(deleting ? Instant.now().toString() : null)
        .endMetadata()
        .withNewStatus()
        .withPhase("Running")
        .withStartTime("2026-11-26T06:00:00Z")
        .endStatus()
        .build();
  }
}
