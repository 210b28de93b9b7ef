package dev.rotor.testsupport.kubernetes;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.jboss.logging.Logger;

/**
 * Plays the Deployment controller against the mock API server. When a Deployment's pod template
 * changes (a restart patches its annotations), the simulator
 *
 * <ol>
 *   <li>at once: sets {@code observedGeneration} and reports the rollout in progress ({@code
 *       updatedReplicas} 0, condition {@code Progressing} / {@code ReplicaSetUpdated});
 *   <li>after {@link #readyAfter(Duration)}, as the Deployment's {@link Behaviour} says:
 *       <ul>
 *         <li>{@code HEALTHY}: replaces the old pods by new ones (new names, start times, the
 *             template's labels and annotations), and reports {@code updated = ready = available =
 *             replicas}, {@code NewReplicaSetAvailable};
 *         <li>{@code PROGRESS_DEADLINE_EXCEEDED}: starts one new pod that never gets ready and sets
 *             {@code Progressing=False} with reason {@code ProgressDeadlineExceeded};
 *         <li>{@code STALL}: starts one new pod that never gets ready, and stays progressing.
 *       </ul>
 * </ol>
 *
 * New pods can carry log lines ({@link #logLines}), served by the API server's pod log endpoint.
 * Every rollout is recorded ({@link #rollouts(String, String)}).
 */
public final class RolloutSimulator implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(RolloutSimulator.class);

  /** How a Deployment's next rollouts end. */
  public enum Behaviour {
    HEALTHY,
    PROGRESS_DEADLINE_EXCEEDED,
    STALL
  }

  /**
   * One rollout the simulator played.
   *
   * @param namespace the Deployment's namespace
   * @param deployment the Deployment
   * @param generation the Deployment's generation it rolled out
   * @param templateAnnotations the pod template's annotations at that generation
   * @param startedAt when the simulator saw the new template
   * @param completedAt when all new pods were available; null while in progress or if it failed
   * @param pods the pods it started
   * @param behaviour how it ended (or will end)
   */
  public record Rollout(
      String namespace,
      String deployment,
      long generation,
      Map<String, String> templateAnnotations,
      Instant startedAt,
      Instant completedAt,
      List<String> pods,
      Behaviour behaviour) {}

  private final KubernetesApiServer api;
  private final KubernetesClient client;
  private final ScheduledExecutorService executor;
  private final SharedIndexInformer<Deployment> informer;
  private final Map<String, String> templates = new ConcurrentHashMap<>();
  private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
  private final Map<String, List<Rollout>> history = new ConcurrentHashMap<>();
  private final Map<String, List<String>> logLines = new ConcurrentHashMap<>();
  private final Map<String, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
  private volatile Duration readyAfter = Duration.ofMillis(200);
  private volatile BiPredicate<String, String> readyGate = (namespace, deployment) -> true;
  private volatile Clock clock = Clock.systemUTC();

  RolloutSimulator(KubernetesApiServer api) {
    this.api = api;
    this.client = api.client();
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "rotor-rollout-simulator");
              thread.setDaemon(true);
              return thread;
            });
    this.informer =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment deployment) {
                    executor.execute(() -> observe(deployment));
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment after) {
                    executor.execute(() -> observe(after));
                  }

                  @Override
                  public void onDelete(Deployment deployment, boolean finalStateUnknown) {
                    templates.remove(key(deployment));
                  }
                });
  }

  /** How long new pods take to become available (default 200 ms). */
  public RolloutSimulator readyAfter(Duration delay) {
    this.readyAfter = delay;
    return this;
  }

  /**
   * Holds the end of a healthy rollout, once {@link #readyAfter} passed, until {@code gate} says
   * the new pods of {@code (namespace, deployment)} are ready: for pods that run something real
   * (the devstack's processes), as a readiness probe holds a pod until its container answers.
   * Default: always ready.
   */
  public RolloutSimulator readyWhen(BiPredicate<String, String> gate) {
    this.readyGate = gate;
    return this;
  }

  /** The clock for pod start times and rollout records (default: the system clock). */
  public RolloutSimulator clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** How the next rollouts of {@code namespace/deployment} end (default {@code HEALTHY}). */
  public RolloutSimulator behave(String namespace, String deployment, Behaviour behaviour) {
    behaviours.put(namespace + "/" + deployment, behaviour);
    return this;
  }

  /** Lines the pods that later rollouts of {@code namespace/deployment} start will log. */
  public RolloutSimulator logLines(String namespace, String deployment, List<String> lines) {
    logLines.put(namespace + "/" + deployment, List.copyOf(lines));
    return this;
  }

  /**
   * Creates a Deployment with {@code replicas} running pods, already rolled out (labels {@code
   * app=<name>}), as a cluster holds it before anything happens.
   */
  public Deployment createDeployment(String namespace, String name, int replicas) {
    Map<String, String> labels = Map.of("app", name);
    PodTemplateSpec template =
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName(name)
            .withImage("registry.example.com/" + name + ":1.0")
            .endContainer()
            .endSpec()
            .build();
    Deployment deployment =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .withProgressDeadlineSeconds(600)
            .withNewSelector()
            .withMatchLabels(labels)
            .endSelector()
            .withTemplate(template)
            .endSpec()
            .withStatus(available(1L, replicas))
            .build();
    templates.put(namespace + "/" + name, Serialization.asJson(template));
    Deployment created =
        client.apps().deployments().inNamespace(namespace).resource(deployment).create();
    String hash = hash(Serialization.asJson(created.getSpec().getTemplate()));
    for (int i = 0; i < replicas; i++) {
      startPod(created, hash, true);
    }
    return created;
  }

  /**
   * Lets the rollout of {@code namespace/deployment} that a {@code STALL} behaviour holds finish
   * now, as if its pods got ready after all (its behaviour becomes {@code HEALTHY}).
   */
  public void complete(String namespace, String deployment) {
    String key = namespace + "/" + deployment;
    behaviours.put(key, Behaviour.HEALTHY);
    executor.execute(
        () -> {
          Deployment current =
              client.apps().deployments().inNamespace(namespace).withName(deployment).get();
          List<Rollout> rollouts = history.get(key);
          if (current == null || rollouts == null || rollouts.isEmpty()) {
            return;
          }
          String template = Serialization.asJson(current.getSpec().getTemplate());
          String hash = hash(template);
          List<Pod> old = pods(current).stream().filter(pod -> !hash.equals(hashOf(pod))).toList();
          List<Pod> stuck = pods(current).stream().filter(pod -> hash.equals(hashOf(pod))).toList();
          for (Pod pod : stuck) {
            client.pods().resource(pod).delete();
          }
          finish(current, hash, Behaviour.HEALTHY, rollouts.size() - 1, old);
        });
  }

  /**
   * Plays the kubelet restarting container {@code container} of pod {@code namespace/pod} after its
   * instance terminated with {@code reason} and {@code exitCode}: the container's status gets its
   * {@code restartCount} one higher and that {@code lastState.terminated}, and the API server
   * serves {@code previousLog} as the terminated instance's log ({@code previous=true}); null
   * serves none (HTTP 400, as when the runtime has discarded it).
   *
   * @return the container's restart count now
   */
  public int restartContainer(
      String namespace,
      String pod,
      String container,
      String reason,
      int exitCode,
      List<String> previousLog) {
    Pod current = client.pods().inNamespace(namespace).withName(pod).get();
    if (current == null) {
      throw new IllegalArgumentException("no pod " + namespace + "/" + pod);
    }
    int restarts =
        current.getStatus().getContainerStatuses() == null
            ? 0
            : current.getStatus().getContainerStatuses().stream()
                .filter(s -> container.equals(s.getName()))
                .mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount())
                .findFirst()
                .orElse(0);
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    api.expectPreviousPodLog(
        namespace,
        pod,
        container,
        previousLog == null ? null : String.join("\n", previousLog) + "\n");
    io.fabric8.kubernetes.api.model.ContainerStatus status =
        new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
            .withName(container)
            .withImage("registry.example.com/" + container + ":1.0")
            .withReady(true)
            .withStarted(true)
            .withRestartCount(restarts + 1)
            .withNewState()
            .withNewRunning()
            .withStartedAt(now.toString())
            .endRunning()
            .endState()
            .withNewLastState()
            .withNewTerminated()
            .withReason(reason)
            .withExitCode(exitCode)
            .withStartedAt(current.getStatus().getStartTime())
            .withFinishedAt(now.toString())
            .endTerminated()
            .endLastState()
            .build();
    List<io.fabric8.kubernetes.api.model.ContainerStatus> statuses = new ArrayList<>();
    if (current.getStatus().getContainerStatuses() != null) {
      current.getStatus().getContainerStatuses().stream()
          .filter(s -> !container.equals(s.getName()))
          .forEach(statuses::add);
    }
    statuses.add(status);
    client
        .pods()
        .inNamespace(namespace)
        .withName(pod)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            Serialization.asJson(Map.of("status", Map.of("containerStatuses", statuses))));
    return restarts + 1;
  }

  /** The rollouts played for {@code namespace/deployment}, oldest first. */
  public List<Rollout> rollouts(String namespace, String deployment) {
    return List.copyOf(history.getOrDefault(namespace + "/" + deployment, List.of()));
  }

  /** How many rollouts were played for {@code namespace/deployment}. */
  public int rolloutCount(String namespace, String deployment) {
    return rollouts(namespace, deployment).size();
  }

  @Override
  public void close() {
    informer.close();
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------- the controller

  private void observe(Deployment deployment) {
    if (deployment.getSpec() == null || deployment.getSpec().getTemplate() == null) {
      return;
    }
    String key = key(deployment);
    String template = Serialization.asJson(deployment.getSpec().getTemplate());
    String previous = templates.put(key, template);
    if (template.equals(previous)) {
      return;
    }
    long generation = generation(deployment);
    DeploymentStatus status = deployment.getStatus();
    if (previous == null
        && status != null
        && status.getObservedGeneration() != null
        && status.getObservedGeneration() >= generation) {
      return;
    }
    start(deployment, template);
  }

  private void start(Deployment deployment, String template) {
    String key = key(deployment);
    ScheduledFuture<?> superseded = pending.remove(key);
    if (superseded != null) {
      superseded.cancel(false);
    }
    Behaviour behaviour = behaviours.getOrDefault(key, Behaviour.HEALTHY);
    long generation = generation(deployment);
    String hash = hash(template);
    Map<String, String> annotations =
        deployment.getSpec().getTemplate().getMetadata() == null
                || deployment.getSpec().getTemplate().getMetadata().getAnnotations() == null
            ? Map.of()
            : Map.copyOf(deployment.getSpec().getTemplate().getMetadata().getAnnotations());
    int index = history.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).size();
    Rollout started =
        new Rollout(
            namespace(deployment),
            name(deployment),
            generation,
            annotations,
            clock.instant(),
            null,
            List.of(),
            behaviour);
    history.get(key).add(started);
    LOG.debugf("rollout of %s generation %d started (%s)", key, generation, behaviour);

    List<Pod> old = pods(deployment).stream().filter(pod -> !hash.equals(hashOf(pod))).toList();
    int oldAvailable = (int) old.stream().filter(RolloutSimulator::isReady).count();
    patchStatus(
        deployment,
        new DeploymentStatusBuilder()
            .withObservedGeneration(generation)
            .withReplicas(old.size())
            .withUpdatedReplicas(0)
            .withReadyReplicas(oldAvailable)
            .withAvailableReplicas(oldAvailable)
            .withConditions(
                availableCondition(oldAvailable > 0),
                condition(
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    "ReplicaSet \"" + name(deployment) + "-" + hash + "\" is progressing."))
            .build());
    pending.put(
        key,
        executor.schedule(
            () -> finishWhenReady(deployment, hash, behaviour, index, old),
            readyAfter.toMillis(),
            TimeUnit.MILLISECONDS));
  }

  private void finishWhenReady(
      Deployment started, String hash, Behaviour behaviour, int index, List<Pod> old) {
    if (behaviour == Behaviour.HEALTHY && !readyGate.test(namespace(started), name(started))) {
      String key = key(started);
      pending.put(
          key,
          executor.schedule(
              () -> finishWhenReady(started, hash, behaviour, index, old),
              200,
              TimeUnit.MILLISECONDS));
      return;
    }
    finish(started, hash, behaviour, index, old);
  }

  private void finish(
      Deployment started, String hash, Behaviour behaviour, int index, List<Pod> old) {
    String key = key(started);
    pending.remove(key);
    Deployment current =
        client.apps().deployments().inNamespace(namespace(started)).withName(name(started)).get();
    if (current == null || generation(current) != generation(started)) {
      return;
    }
    int desired = replicas(current);
    List<String> startedPods = new ArrayList<>();
    int oldAvailable = (int) old.stream().filter(RolloutSimulator::isReady).count();
    switch (behaviour) {
      case HEALTHY -> {
        for (int i = 0; i < desired; i++) {
          startedPods.add(startPod(current, hash, true));
        }
        for (Pod pod : old) {
          client.pods().resource(pod).delete();
        }
        patchStatus(current, available(generation(current), desired));
      }
      case PROGRESS_DEADLINE_EXCEEDED -> {
        startedPods.add(startPod(current, hash, false));
        patchStatus(
            current,
            new DeploymentStatusBuilder()
                .withObservedGeneration(generation(current))
                .withReplicas(old.size() + 1)
                .withUpdatedReplicas(1)
                .withReadyReplicas(oldAvailable)
                .withAvailableReplicas(oldAvailable)
                .withUnavailableReplicas(1)
                .withConditions(
                    availableCondition(oldAvailable > 0),
                    condition(
                        "Progressing",
                        "False",
                        "ProgressDeadlineExceeded",
                        "ReplicaSet \""
                            + name(current)
                            + "-"
                            + hash
                            + "\" has timed out progressing."))
                .build());
      }
      case STALL -> {
        startedPods.add(startPod(current, hash, false));
        patchStatus(
            current,
            new DeploymentStatusBuilder()
                .withObservedGeneration(generation(current))
                .withReplicas(old.size() + 1)
                .withUpdatedReplicas(1)
                .withReadyReplicas(oldAvailable)
                .withAvailableReplicas(oldAvailable)
                .withUnavailableReplicas(1)
                .withConditions(
                    availableCondition(oldAvailable > 0),
                    condition(
                        "Progressing",
                        "True",
                        "ReplicaSetUpdated",
                        "ReplicaSet \"" + name(current) + "-" + hash + "\" is progressing."))
                .build());
      }
      default -> throw new IllegalStateException("unknown behaviour " + behaviour);
    }
    List<Rollout> rollouts = history.get(key);
    Rollout record = rollouts.get(index);
    rollouts.set(
        index,
        new Rollout(
            record.namespace(),
            record.deployment(),
            record.generation(),
            record.templateAnnotations(),
            record.startedAt(),
            behaviour == Behaviour.HEALTHY ? clock.instant() : null,
            List.copyOf(startedPods),
            behaviour));
    LOG.debugf("rollout of %s generation %d ended (%s)", key, record.generation(), behaviour);
  }

  private String startPod(Deployment deployment, String hash, boolean ready) {
    PodTemplateSpec template = deployment.getSpec().getTemplate();
    Map<String, String> labels = new LinkedHashMap<>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put("pod-template-hash", hash);
    Map<String, String> annotations =
        template.getMetadata() == null || template.getMetadata().getAnnotations() == null
            ? Map.of()
            : template.getMetadata().getAnnotations();
    String name = name(deployment) + "-" + hash + "-" + randomSuffix();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace(deployment))
            .withLabels(labels)
            .withAnnotations(annotations)
            .endMetadata()
            .withSpec(template.getSpec())
            .withNewStatus()
            .withPhase("Running")
            .withStartTime(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString())
            .addNewCondition()
            .withType("Ready")
            .withStatus(ready ? "True" : "False")
            .endCondition()
            .endStatus()
            .build();
    client.pods().inNamespace(namespace(deployment)).resource(pod).create();
    List<String> lines = logLines.get(key(deployment));
    if (lines != null) {
      api.expectPodLog(namespace(deployment), name, String.join("\n", lines) + "\n");
    }
    return name;
  }

  private List<Pod> pods(Deployment deployment) {
    LabelSelector selector = deployment.getSpec().getSelector();
    if (selector == null || selector.getMatchLabels() == null) {
      return List.of();
    }
    return client
        .pods()
        .inNamespace(namespace(deployment))
        .withLabels(selector.getMatchLabels())
        .list()
        .getItems();
  }

  private void patchStatus(Deployment deployment, DeploymentStatus status) {
    client
        .apps()
        .deployments()
        .inNamespace(namespace(deployment))
        .withName(name(deployment))
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
  }

  private DeploymentStatus available(long generation, int replicas) {
    return new DeploymentStatusBuilder()
        .withObservedGeneration(generation)
        .withReplicas(replicas)
        .withUpdatedReplicas(replicas)
        .withReadyReplicas(replicas)
        .withAvailableReplicas(replicas)
        .withConditions(
            availableCondition(true),
            condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                "ReplicaSet has successfully progressed."))
        .build();
  }

  private DeploymentCondition availableCondition(boolean available) {
    return available
        ? condition(
            "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        : condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.");
  }

  private DeploymentCondition condition(String type, String value, String reason, String message) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    return new DeploymentConditionBuilder()
        .withType(type)
        .withStatus(value)
        .withReason(reason)
        .withMessage(message)
        .withLastUpdateTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static String hashOf(Pod pod) {
    return pod.getMetadata().getLabels() == null
        ? null
        : pod.getMetadata().getLabels().get("pod-template-hash");
  }

  private static int replicas(Deployment deployment) {
    Integer replicas = deployment.getSpec().getReplicas();
    return replicas == null ? 1 : replicas;
  }

  private static long generation(Deployment deployment) {
    Long generation = deployment.getMetadata().getGeneration();
    return generation == null ? 1L : generation;
  }

  private static String key(Deployment deployment) {
    return namespace(deployment) + "/" + name(deployment);
  }

  private static String namespace(Deployment deployment) {
    return deployment.getMetadata().getNamespace();
  }

  private static String name(Deployment deployment) {
    return deployment.getMetadata().getName();
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      suffix.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return suffix.toString();
  }

  private static String hash(String template) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(template.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
