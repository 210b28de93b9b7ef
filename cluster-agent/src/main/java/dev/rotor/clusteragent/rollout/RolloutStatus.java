package dev.rotor.clusteragent.rollout;

import dev.rotor.common.event.PodStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where a Deployment's rollout stands, decided like {@code kubectl rollout status} and stricter:
 * the controller observed the current generation; {@code ProgressDeadlineExceeded} fails at once;
 * updated replicas reach the desired count; no old replicas remain; every updated replica is
 * available; and no pod of the Deployment still runs without the phase's mark (an old pod, or one
 * being terminated).
 */
public sealed interface RolloutStatus {

  /** Rolled out: the new pods. */
  record Done(List<PodStatus> pods) implements RolloutStatus {}

  /** Still rolling out: what it waits for. */
  record Waiting(String reason) implements RolloutStatus {}

  /** The Deployment controller gave up (progress deadline exceeded). */
  record Failed(String reason) implements RolloutStatus {}

  /**
   * The status of {@code deployment} with its {@code pods}, for a restart marked {@code mark}
   * ({@code <rotation id>/<phase>}).
   */
  static RolloutStatus of(Deployment deployment, List<Pod> pods, String mark) {
    String name = deployment.getMetadata().getName();
    long generation =
        deployment.getMetadata().getGeneration() == null
            ? 0
            : deployment.getMetadata().getGeneration();
    DeploymentStatus status = deployment.getStatus();
    if (status == null
        || status.getObservedGeneration() == null
        || status.getObservedGeneration() < generation) {
      return new Waiting(
          "waiting for the Deployment controller to observe generation " + generation);
    }
    for (DeploymentCondition condition :
        status.getConditions() == null ? List.<DeploymentCondition>of() : status.getConditions()) {
      if ("Progressing".equals(condition.getType())
          && "ProgressDeadlineExceeded".equals(condition.getReason())) {
        return new Failed(
            "Deployment "
                + name
                + " exceeded its progress deadline"
                + (condition.getMessage() == null ? "" : ": " + condition.getMessage()));
      }
    }
    int desired =
        deployment.getSpec() == null || deployment.getSpec().getReplicas() == null
            ? 1
            : deployment.getSpec().getReplicas();
    int updated = value(status.getUpdatedReplicas());
    int replicas = value(status.getReplicas());
    int available = value(status.getAvailableReplicas());
    if (updated < desired) {
      return new Waiting(updated + " of " + desired + " new replicas have been updated");
    }
    if (replicas > updated) {
      return new Waiting((replicas - updated) + " old replicas are pending termination");
    }
    if (available < updated) {
      return new Waiting(available + " of " + updated + " updated replicas are available");
    }
    List<Pod> live =
        pods.stream()
            .filter(
                pod ->
                    pod.getStatus() == null
                        || !("Succeeded".equals(pod.getStatus().getPhase())
                            || "Failed".equals(pod.getStatus().getPhase())))
            .toList();
    List<String> old =
        live.stream()
            .filter(
                pod ->
                    pod.getMetadata().getDeletionTimestamp() != null
                        || !mark.equals(annotations(pod).get(RolloutMark.ROTATION_ANNOTATION)))
            .map(pod -> pod.getMetadata().getName())
            .sorted()
            .toList();
    if (!old.isEmpty()) {
      return new Waiting(old.size() + " old pods are still running: " + String.join(", ", old));
    }
    return new Done(
        live.stream()
            .sorted(Comparator.comparing(pod -> pod.getMetadata().getName()))
            .map(pod -> new PodStatus(name, pod.getMetadata().getName(), startedAt(pod)))
            .toList());
  }

  private static Map<String, String> annotations(Pod pod) {
    return pod.getMetadata().getAnnotations() == null
        ? Map.of()
        : pod.getMetadata().getAnnotations();
  }

  private static Instant startedAt(Pod pod) {
    String started =
        pod.getStatus() != null && pod.getStatus().getStartTime() != null
            ? pod.getStatus().getStartTime()
            : pod.getMetadata().getCreationTimestamp();
    try {
      return started == null ? Instant.EPOCH : OffsetDateTime.parse(started).toInstant();
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private static int value(Integer count) {
    return count == null ? 0 : count;
  }
}
