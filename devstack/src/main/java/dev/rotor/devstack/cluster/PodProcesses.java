package dev.rotor.devstack.cluster;

import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.devstack.process.PidRegistry;
import dev.rotor.examples.load.LoadGenerator;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Plays the kubelet for the rollout simulator's pods: every pod of the workload's Deployment runs
 * as a real process of the example workload, reading the keyring its Secret held when the pod
 * started. Like a rolling update with surge, a restart's new processes start as soon as the
 * Deployment's template changes (the simulator reports the pods after the time a pod takes to
 * start), and an old pod's process keeps serving until every new one is ready, then leaves the load
 * and stops. The cluster's API serves each pod's log from its process's log file, and the pods
 * carry their address ({@code status.podIP}, {@code prometheus.io/port}) for the verifier and
 * Prometheus.
 */
final class PodProcesses implements AutoCloseable {
  private static final Duration DRAIN = Duration.ofSeconds(3);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration MAX_HANDOVER = Duration.ofSeconds(90);
  private static final Duration SYNC_EVERY = Duration.ofSeconds(2);

  private final ClusterSpec spec;
  private final KubernetesApiServer api;
  private final KubernetesClient client;
  private final PidRegistry registry;
  private final Map<String, PodProcess> byPod = new ConcurrentHashMap<>();
  private final Deque<PodProcess> spares = new ArrayDeque<>();
  private final List<PodProcess> all = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, String> templates = new ConcurrentHashMap<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private final AtomicReference<FaultRule> fault = new AtomicReference<>();
  private final AtomicReference<LoadGenerator> load = new AtomicReference<>();
  private volatile Instant lastSync = Instant.EPOCH;
  private final java.util.Set<PodProcess> stopped = ConcurrentHashMap.newKeySet();
  private final Map<PodProcess, Instant> crashedSince = new ConcurrentHashMap<>();
  private final ScheduledExecutorService executor;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<Deployment> deployments;

  /**
   * The kubelets of every workload of the cluster (one per Deployment), which share the cluster's
   * Prometheus targets file.
   */
  private final List<PodProcesses> group;

  PodProcesses(ClusterSpec spec, KubernetesApiServer api, PidRegistry registry) {
    this(spec, api, registry, new java.util.concurrent.CopyOnWriteArrayList<>());
  }

  /** One of several workloads' kubelets in one cluster: {@code group} holds them all. */
  PodProcesses(
      ClusterSpec spec, KubernetesApiServer api, PidRegistry registry, List<PodProcesses> group) {
    this.group = group;
    group.add(this);
    this.spec = spec;
    this.api = api;
    this.client = api.client();
    this.registry = registry;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "rotor-devstack-kubelet");
              thread.setDaemon(true);
              return thread;
            });
    this.deployments =
        client
            .apps()
            .deployments()
            .inNamespace(spec.namespace())
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment deployment) {
                    executor.execute(() -> templateSeen(deployment, false));
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment after) {
                    executor.execute(() -> templateSeen(after, true));
                  }

                  @Override
                  public void onDelete(Deployment deployment, boolean unknown) {}
                });
    this.pods =
        client
            .pods()
            .inNamespace(spec.namespace())
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    executor.execute(() -> podAdded(pod));
                  }

                  @Override
                  public void onUpdate(Pod before, Pod after) {}

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {
                    executor.execute(() -> podDeleted(pod.getMetadata().getName()));
                  }
                });
    executor.scheduleWithFixedDelay(this::tick, 300, 300, TimeUnit.MILLISECONDS);
  }

  /** The load generator to keep in step with the pods, once it runs. */
  void load(LoadGenerator generator) {
    load.set(generator);
  }

  /** Sets (or with null clears) the fault rule and applies it to the running pods. */
  void fault(FaultRule rule) {
    fault.set(rule);
    executor.execute(
        () -> {
          for (PodProcess process : all) {
            if (process.ready()) {
              applyFault(process);
            }
          }
        });
  }

  /**
   * Whether the containers started for the latest restart of {@code deployment} answer (true for
   * another workload's Deployment): the rollout simulator holds the rollout until they do, as a
   * readiness probe would.
   */
  boolean readyFor(String deployment) {
    if (!spec.deployment().equals(deployment)) {
      return true;
    }
    synchronized (spares) {
      return spares.stream().allMatch(PodProcess::ready);
    }
  }

  FaultRule fault() {
    return fault.get();
  }

  /** The processes that serve now (ready and not stopped), for the load generator and reports. */
  List<PodProcess> serving() {
    return all.stream().filter(p -> p.alive() && p.ready()).toList();
  }

  /** Every process that runs. */
  List<PodProcess> running() {
    return all.stream().filter(PodProcess::alive).toList();
  }

  // ------------------------------------------------------------------------------- events

  private void templateSeen(Deployment deployment, boolean update) {
    if (!spec.deployment().equals(deployment.getMetadata().getName())) {
      return;
    }
    String template = Serialization.asJson(deployment.getSpec().getTemplate());
    String previous = templates.put(deployment.getMetadata().getName(), template);
    if (!update || previous == null || previous.equals(template)) {
      return;
    }
    // A restart: start the new pods' containers now, as the kubelet would while the rollout
    // progresses; the simulator reports them after the time a pod takes to start.
    int replicas =
        deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    synchronized (spares) {
      spares.forEach(
          p -> {
            stopped.add(p);
            p.stop(STOP_GRACE);
          });
      all.removeAll(spares);
      spares.clear();
      for (int i = 0; i < replicas; i++) {
        PodProcess process = startProcess();
        if (process != null) {
          spares.add(process);
        }
      }
    }
  }

  private void podAdded(Pod pod) {
    String name = pod.getMetadata().getName();
    if (byPod.containsKey(name) || !isWorkload(pod)) {
      return;
    }
    PodProcess process;
    synchronized (spares) {
      process = spares.pollFirst();
    }
    if (process == null) {
      process = startProcess();
      if (process == null) {
        return;
      }
    }
    process.pod(name);
    byPod.put(name, process);
    servePodLog(name, process);
    if (process.ready()) {
      // Started ahead with the rollout, ready before the simulator reported its pod.
      annotate(process);
      writePrometheusTargets();
    }
    System.out.println(
        "ROTOR-8101 pod "
            + name
            + " runs as pid "
            + process.pid()
            + " (log "
            + process.log()
            + ")");
  }

  private void podDeleted(String pod) {
    PodProcess process = byPod.remove(pod);
    if (process != null) {
      process.retire();
    }
  }

  private boolean isWorkload(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels != null && spec.deployment().equals(labels.get("app"));
  }

  // --------------------------------------------------------------------------- lifecycle

  /** Starts a container with the keyring the Secret holds now; null when there is none. */
  private PodProcess startProcess() {
    Secret secret =
        client.secrets().inNamespace(spec.namespace()).withName(spec.secretName()).get();
    if (secret == null || secret.getData() == null) {
      System.out.println(
          "ROTOR-8102 no Secret "
              + spec.namespace()
              + "/"
              + spec.secretName()
              + " yet: a pod cannot start without its keyring");
      return null;
    }
    Map<String, byte[]> keyring = new LinkedHashMap<>();
    secret
        .getData()
        .forEach(
            (key, value) -> {
              if (KeyringLayout.isKeyringDataKey(key)) {
                keyring.put(key, Base64.getDecoder().decode(value));
              }
            });
    byte[] primary = keyring.get(KeyringLayout.PRIMARY_DATA_KEY);
    String primaryKeyId =
        primary == null ? "?" : new String(primary, StandardCharsets.US_ASCII).strip();
    String id = spec.deployment() + "-" + sequence.incrementAndGet();
    PodProcess process = PodProcess.start(id, spec.deployment(), keyring, primaryKeyId, spec);
    keyring.values().forEach(bytes -> java.util.Arrays.fill(bytes, (byte) 0));
    registry.record(spec.name() + "/" + id, process.handle());
    all.add(process);
    return process;
  }

  private void tick() {
    try {
      restartCrashed();
      syncWithApi();
      boolean changed = false;
      for (PodProcess process : all) {
        if (!process.ready() && process.alive() && process.checkReady()) {
          becameReady(process);
          changed = true;
        }
      }
      for (PodProcess process : all) {
        if (process.retiringSince() != null && process.alive() && handedOver(process)) {
          leave(process);
          changed = true;
        }
      }
      all.removeIf(process -> !process.alive() && process.retiringSince() != null);
      if (changed) {
        writePrometheusTargets();
      }
    } catch (RuntimeException e) {
      System.out.println("ROTOR-8103 the simulated kubelet failed a step: " + e);
    }
  }

  /**
   * Compares the pods this kubelet runs with the API's, as the kubelet's sync loop does, so that a
   * watch event that never arrived (a dropped watch reconnects from "now" on the mock API) cannot
   * leave an old pod's process serving with its old keyring after the pod was deleted.
   */
  private void syncWithApi() {
    Instant now = Instant.now();
    if (Duration.between(lastSync, now).compareTo(SYNC_EVERY) < 0) {
      return;
    }
    lastSync = now;
    List<Pod> listed =
        client
            .pods()
            .inNamespace(spec.namespace())
            .withLabel("app", spec.deployment())
            .list()
            .getItems();
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Pod pod : listed) {
      names.add(pod.getMetadata().getName());
      if (!byPod.containsKey(pod.getMetadata().getName())) {
        System.out.println(
            "ROTOR-8113 sync: pod " + pod.getMetadata().getName() + " has no process yet");
        podAdded(pod);
      }
    }
    for (Map.Entry<String, PodProcess> entry : Map.copyOf(byPod).entrySet()) {
      if (!names.contains(entry.getKey()) && entry.getValue().retiringSince() == null) {
        System.out.println(
            "ROTOR-8113 sync: pod "
                + entry.getKey()
                + " is gone from the API but its process still serves: retiring "
                + entry.getValue());
        podDeleted(entry.getKey());
      }
    }
  }

  /**
   * Starts again, as the kubelet does (restartPolicy Always, with a back-off), a container that
   * exited although nothing stopped it: one whose workload could not reach its database while it
   * started, say. A retiring or superseded container is not restarted.
   */
  private void restartCrashed() {
    for (PodProcess process : all) {
      if (process.alive() || process.retiringSince() != null || stopped.contains(process)) {
        continue;
      }
      Instant seen = crashedSince.computeIfAbsent(process, p -> Instant.now());
      long backoff = Math.min(30, 1L << Math.min(5, process.restarts()));
      if (Duration.between(seen, Instant.now()).toSeconds() < backoff) {
        continue;
      }
      crashedSince.remove(process);
      LoadGenerator generator = load.get();
      if (generator != null && process.url() != null) {
        try {
          generator.removeTarget(process.url(), Duration.ZERO);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      PodProcess again = process.restarted();
      all.set(all.indexOf(process), again);
      synchronized (spares) {
        if (spares.remove(process)) {
          spares.add(again);
        }
      }
      if (process.pod() != null) {
        byPod.replace(process.pod(), process, again);
        servePodLog(process.pod(), again);
      }
      registry.record(spec.name() + "/" + again.id(), again.handle());
      System.out.println(
          "ROTOR-8112 "
              + process
              + " exited with code "
              + process.exitCode()
              + "; started again as pid "
              + again.pid()
              + " (restart "
              + again.restarts()
              + ")");
    }
  }

  private void becameReady(PodProcess process) {
    System.out.println(
        "ROTOR-8104 " + process + " is ready, primary key " + process.primaryKeyId());
    if (process.pod() != null) {
      annotate(process);
    }
    applyFault(process);
    LoadGenerator generator = load.get();
    if (generator != null) {
      generator.addTarget(process.url());
    }
  }

  /** Whether every current pod of the retiring process's Deployment has a ready process. */
  private boolean handedOver(PodProcess retiring) {
    if (Duration.between(retiring.retiringSince(), Instant.now()).compareTo(MAX_HANDOVER) > 0) {
      return true;
    }
    List<PodProcess> current =
        byPod.values().stream().filter(p -> p.deployment().equals(retiring.deployment())).toList();
    return !current.isEmpty() && current.stream().allMatch(PodProcess::ready);
  }

  private void leave(PodProcess process) {
    LoadGenerator generator = load.get();
    if (generator != null && process.url() != null) {
      try {
        generator.removeTarget(process.url(), DRAIN);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    process.stop(STOP_GRACE);
    System.out.println("ROTOR-8105 " + process + " stopped: its pod was replaced");
  }

  private void annotate(PodProcess process) {
    try {
      client
          .pods()
          .inNamespace(spec.namespace())
          .withName(process.pod())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              Serialization.asJson(
                  Map.of(
                      "metadata",
                      Map.of(
                          "annotations",
                          Map.of(
                              "prometheus.io/scrape", "true",
                              "prometheus.io/port", String.valueOf(process.url().getPort()),
                              "prometheus.io/path", "/q/metrics")))));
      client
          .pods()
          .inNamespace(spec.namespace())
          .withName(process.pod())
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              Serialization.asJson(
                  Map.of("status", Map.of("podIP", "127.0.0.1", "hostIP", "127.0.0.1"))));
    } catch (RuntimeException e) {
      System.out.println("ROTOR-8106 cannot annotate pod " + process.pod() + ": " + e.getMessage());
    }
  }

  private void applyFault(PodProcess process) {
    FaultRule rule = fault.get();
    boolean matches = rule != null && rule.primaryKeyId().equals(process.primaryKeyId());
    try {
      if (matches) {
        process.fault(rule.errorRatio(), rule.extraLatency());
        System.out.println(
            "ROTOR-8107 fault switch on in "
                + process
                + ": "
                + rule.errorRatio()
                + " of requests fail, +"
                + rule.extraLatency());
      } else if (rule == null) {
        process.fault(0, Duration.ZERO);
      }
    } catch (IOException e) {
      System.out.println("ROTOR-8106 cannot set the fault switch of " + process + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Serves the pod's log from its process's log file, as the kubelet serves a container's. */
  private void servePodLog(String pod, PodProcess process) {
    String base = "/api/v1/namespaces/" + spec.namespace() + "/pods/" + pod + "/log";
    for (String path : List.of(base, base + "?pretty=false", base + "?pretty=false&follow=true")) {
      api.mockServer()
          .expect()
          .get()
          .withPath(path)
          .andReply(200, request -> process.logText())
          .always();
    }
  }

  private void writePrometheusTargets() {
    if (spec.prometheusTargets() == null) {
      return;
    }
    synchronized (group) {
      writePrometheusTargets(Path.of(spec.prometheusTargets()));
    }
  }

  /** Every workload's serving pods of the cluster, as Prometheus's file_sd reads them. */
  private void writePrometheusTargets(Path file) {
    List<Map<String, Object>> groups = new ArrayList<>();
    List<PodProcess> every = new ArrayList<>();
    group.forEach(kubelet -> every.addAll(kubelet.all));
    for (PodProcess process : every) {
      if (process.alive() && process.ready()) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("namespace", spec.namespace());
        labels.put("deployment", process.deployment());
        labels.put("pod", Objects.toString(process.pod(), process.id()));
        labels.put("cluster", spec.name());
        groups.add(
            Map.of("targets", List.of("127.0.0.1:" + process.url().getPort()), "labels", labels));
      }
    }
    try {
      Files.createDirectories(file.getParent());
      Path temporary = Files.createTempFile(file.getParent(), ".targets-", ".json");
      Files.writeString(temporary, Serialization.asJson(groups), StandardCharsets.UTF_8);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  @Override
  public void close() {
    stopped.addAll(all);
    pods.close();
    deployments.close();
    executor.shutdownNow();
    List<Thread> stops = new ArrayList<>();
    for (PodProcess process : all) {
      Thread thread = new Thread(() -> process.stop(STOP_GRACE), "stop-" + process.id());
      thread.start();
      stops.add(thread);
    }
    for (Thread thread : stops) {
      try {
        thread.join(STOP_GRACE.toMillis() + 6000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
