package dev.rotor.clusteragent.rollout;

import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.kubernetes.KubernetesCalls;
import dev.rotor.clusteragent.work.Deadline;
import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Restarts a Deployment the way {@code kubectl rollout restart} does (a new pod template annotation
 * {@code kubectl.kubernetes.io/restartedAt}) and marks the restart with {@code rotor.dev/rotation:
 * <rotation id>/<phase>}, {@code rotor.dev/restarted-at} and {@code rotor.dev/target} ({@link
 * RolloutMark}), in the same patch. A Deployment that already carries the phase's mark was
 * restarted for it: it is never restarted again. The patch carries the resource version it was
 * decided on, so a concurrent change makes it re-read and decide again.
 */
@ApplicationScoped
public class DeploymentRestarter {
  private static final Logger LOG = Logger.getLogger(DeploymentRestarter.class);
  private static final int ATTEMPTS = 5;

  private final KubernetesClient client;
  private final KubernetesCalls calls;
  private final ClusterAgentConfig config;
  private final Clock clock;
  private final MeterRegistry registry;

  DeploymentRestarter(
      KubernetesClient client,
      KubernetesCalls calls,
      ClusterAgentConfig config,
      Clock clock,
      MeterRegistry registry) {
    this.client = client;
    this.calls = calls;
    this.config = config;
    this.clock = clock;
    this.registry = registry;
  }

  /** The marks of {@code deployments} (a Deployment that does not exist has an empty mark). */
  public List<RolloutMark> marks(String namespace, List<String> deployments, Deadline deadline) {
    List<RolloutMark> marks = new ArrayList<>();
    for (String name : deployments) {
      Deployment deployment = read(namespace, name, deadline);
      marks.add(
          deployment == null
              ? RolloutMark.of(null)
              : RolloutMark.of(templateAnnotations(deployment)));
    }
    return marks;
  }

  /**
   * Restarts {@code namespace/name} for {@code rotationId}'s {@code phase} of {@code targetId},
   * unless it carries that mark already.
   *
   * @return true if it was restarted now, false if it had been already
   * @throws RolloutFailure NOT_FOUND if the Deployment does not exist, FORBIDDEN if the agent may
   *     not patch it
   */
  public boolean restart(
      String namespace,
      String name,
      String targetId,
      String rotationId,
      Phase phase,
      Deadline deadline) {
    String mark = RolloutMark.value(rotationId, phase);
    String what = "restart of Deployment " + namespace + "/" + name;
    for (int attempt = 1; ; attempt++) {
      Deployment deployment = read(namespace, name, deadline);
      if (deployment == null) {
        throw new RolloutFailure(
            Reasons.Rollout.NOT_FOUND,
            "Deployment "
                + namespace
                + "/"
                + name
                + " does not exist; the plan restarts it after every change of the Secret");
      }
      if (mark.equals(templateAnnotations(deployment).get(RolloutMark.ROTATION_ANNOTATION))) {
        LOG.infof(
            "ROTOR-3021 Deployment %s/%s was restarted for %s already: not restarting it again",
            namespace, name, mark);
        return false;
      }
      String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
      String patch =
          Serialization.asJson(
              Map.of(
                  "metadata",
                  Map.of("resourceVersion", deployment.getMetadata().getResourceVersion()),
                  "spec",
                  Map.of(
                      "template",
                      Map.of(
                          "metadata",
                          Map.of(
                              "annotations",
                              Map.of(
                                  RolloutMark.RESTARTED_AT_ANNOTATION,
                                  now,
                                  RolloutMark.ROTOR_RESTARTED_AT_ANNOTATION,
                                  now,
                                  RolloutMark.TARGET_ANNOTATION,
                                  targetId,
                                  RolloutMark.ROTATION_ANNOTATION,
                                  mark))))));
      PatchContext context = PatchContext.of(PatchType.JSON_MERGE);
      context.setFieldManager(config.apply().fieldManager());
      boolean patched =
          calls.call(
              what,
              deadline,
              () -> {
                try {
                  client
                      .apps()
                      .deployments()
                      .inNamespace(namespace)
                      .withName(name)
                      .patch(context, patch);
                  return true;
                } catch (KubernetesClientException e) {
                  if (e.getCode() == 409) {
                    return false;
                  }
                  throw e;
                }
              });
      if (patched) {
        registry
            .counter("rotor.cluster-agent.restarts", "namespace", namespace, "deployment", name)
            .increment();
        LOG.infof("ROTOR-3020 restarted Deployment %s/%s for %s", namespace, name, mark);
        return true;
      }
      if (attempt >= ATTEMPTS) {
        throw new RolloutFailure(
            Reasons.Rollout.APPLY_CONFLICT,
            what
                + " failed: the Deployment kept changing under the agent ("
                + ATTEMPTS
                + " attempts)");
      }
    }
  }

  private Deployment read(String namespace, String name, Deadline deadline) {
    return calls.call(
        "read Deployment " + namespace + "/" + name,
        deadline,
        () -> client.apps().deployments().inNamespace(namespace).withName(name).get());
  }

  static Map<String, String> templateAnnotations(Deployment deployment) {
    if (deployment.getSpec() == null
        || deployment.getSpec().getTemplate() == null
        || deployment.getSpec().getTemplate().getMetadata() == null
        || deployment.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
      return Map.of();
    }
    return deployment.getSpec().getTemplate().getMetadata().getAnnotations();
  }
}
