package dev.rotor.devstack.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotor.devstack.infra.ParentWatch;
import dev.rotor.devstack.infra.ReadyFile;
import dev.rotor.devstack.process.PidRegistry;
import dev.rotor.examples.load.LoadGenerator;
import dev.rotor.examples.load.LoadReport;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.SealedSecretsController;
import dev.rotor.testsupport.kubernetes.SealingKeyPair;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One local cluster of the devstack, as a process of its own: a Kubernetes API server (fabric8's
 * mock server with the rollout simulator and the sealed-secrets controller from test-support), the
 * workload's Deployment whose pods are real processes ({@link PodProcesses}), the load generator
 * that plays the workload's clients, and a small control API for the devstack ({@code GET /load},
 * {@code PUT /fault}, {@code DELETE /fault}, {@code GET /pods}).
 *
 * <p>Argument: the {@code cluster.json} the devstack wrote ({@link ClusterSpec}).
 */
public final class ClusterMain {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ClusterMain() {}

  public static void main(String[] args) throws Exception {
    ClusterSpec spec = ClusterSpec.read(Path.of(args[0]));
    ParentWatch.start(spec.parentPid());
    System.setProperty("rotor.test.tmpdir", spec.sealingDirectory());
    KubernetesApiServer api = KubernetesApiServer.start();
    KubernetesClient client = api.client();
    PidRegistry registry = new PidRegistry(Path.of(spec.pidRegistry()));
    CountDownLatch stopped = new CountDownLatch(1);
    List<ClusterSpec> workloads = spec.workloads();
    List<PodProcesses> kubelets = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<LoadGenerator> loads = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer[] control = new HttpServer[1];
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (control[0] != null) {
                    control[0].stop(0);
                  }
                  for (LoadGenerator load : loads) {
                    try {
                      System.out.println("ROTOR-8108 " + load.stop().summary());
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  kubelets.forEach(PodProcesses::close);
                  api.close();
                  stopped.countDown();
                },
                "rotor-devstack-cluster-stop"));

    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(spec.namespace())
                .endMetadata()
                .build())
        .create();
    api.sealedSecrets(SealingKeyPair.shared());
    for (ClusterSpec workload : workloads) {
      GenericKubernetesResource sealed =
          Serialization.unmarshal(
              Files.readString(Path.of(workload.initialManifest()), StandardCharsets.UTF_8),
              GenericKubernetesResource.class);
      // As the runbook did it: `kubectl apply -f secret-secrets-service-config.yaml`. Rotor's
      // cluster-agent takes over the fields kubectl's client-side apply owns, and only those.
      api.clientAs("kubectl-client-side-apply")
          .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
          .inNamespace(workload.namespace())
          .resource(sealed)
          .create();
    }
    for (ClusterSpec workload : workloads) {
      awaitSecret(client, workload);
      System.out.println(
          "ROTOR-8109 the sealed-secrets controller unsealed "
              + workload.namespace()
              + "/"
              + workload.secretName());
    }

    api.rollouts().readyAfter(spec.podStart());
    // A pod is ready once its process answers, however long the JVM takes to start.
    api.rollouts()
        .readyWhen(
            (namespace, deployment) -> kubelets.stream().allMatch(k -> k.readyFor(deployment)));
    List<PodProcesses> group = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (ClusterSpec workload : workloads) {
      kubelets.add(new PodProcesses(workload, api, registry, group));
      api.rollouts()
          .createDeployment(workload.namespace(), workload.deployment(), workload.replicas());
    }
    List<PodProcess> first = new ArrayList<>();
    for (PodProcesses kubelet : kubelets) {
      List<PodProcess> pods = awaitPods(kubelet, spec.replicas(), Duration.ofMinutes(5));
      first.addAll(pods);
      // One load generator per workload: a payload can only be read where its keyring is.
      LoadGenerator load =
          LoadGenerator.builder()
              .targets(pods.stream().map(PodProcess::url).toList())
              .workers(workloads.size() == 1 ? 2 : 1)
              .pause(Duration.ofMillis(workloads.size() == 1 ? 100 : 250))
              .duration(Duration.ofDays(1))
              .requestTimeout(Duration.ofSeconds(10))
              .build()
              .start();
      loads.add(load);
      kubelet.load(load);
    }
    PodProcesses main = kubelets.get(0);

    control[0] = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    control[0].createContext("/load", exchange -> respond(exchange, report(loads)));
    control[0].createContext(
        "/pods",
        exchange -> {
          List<Map<String, Object>> all = new ArrayList<>();
          kubelets.forEach(kubelet -> all.addAll(pods(kubelet)));
          respond(exchange, all);
        });
    control[0].createContext("/rollouts", exchange -> respond(exchange, rollouts(api, workloads)));
    control[0].createContext(
        "/fault",
        exchange -> {
          if ("PUT".equals(exchange.getRequestMethod())) {
            Map<String, String> query = query(exchange.getRequestURI());
            FaultRule rule =
                new FaultRule(
                    query.get("primaryKeyId"),
                    Double.parseDouble(query.getOrDefault("errorRatio", "0.5")),
                    Duration.parse(query.getOrDefault("extraLatency", "PT0S")));
            kubelets.forEach(kubelet -> kubelet.fault(rule));
            System.out.println("ROTOR-8110 fault rule set: " + rule);
            respond(exchange, Map.of("fault", rule.toString()));
          } else if ("DELETE".equals(exchange.getRequestMethod())) {
            kubelets.forEach(kubelet -> kubelet.fault(null));
            respond(exchange, Map.of("fault", "none"));
          } else {
            respond(exchange, Map.of("fault", String.valueOf(main.fault())));
          }
        });
    control[0].start();

    Map<String, Object> ready = new LinkedHashMap<>();
    ready.put("apiUrl", api.url());
    ready.put("controlPort", control[0].getAddress().getPort());
    ready.put("pods", first.stream().map(PodProcess::pod).toList());
    ReadyFile.write(Path.of(spec.readyFile()), ready);
    System.out.println(
        "ROTOR-8111 cluster "
            + spec.name()
            + " ready: API "
            + api.url()
            + ", "
            + first.size()
            + " pods serving, load generator running");
    stopped.await();
  }

  private static void awaitSecret(KubernetesClient client, ClusterSpec spec) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (client.secrets().inNamespace(spec.namespace()).withName(spec.secretName()).get()
        == null) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "the sealed-secrets controller did not unseal " + spec.secretName() + " in 60 s");
      }
      pause();
    }
  }

  private static List<PodProcess> awaitPods(PodProcesses kubelet, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<PodProcess> serving = kubelet.serving().stream().filter(p -> p.pod() != null).toList();
      if (serving.size() >= count) {
        return serving;
      }
      for (PodProcess process : kubelet.running()) {
        if (!process.alive()) {
          throw new IllegalStateException(process + " exited; see " + process.log());
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "the workload's pods did not become ready in " + timeout.toSeconds() + " s");
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  /** Every workload's load generator's counts, summed; and each one's. */
  private static Map<String, Object> report(List<LoadGenerator> loads) {
    List<LoadReport> reports = loads.stream().map(LoadGenerator::report).toList();
    if (reports.size() == 1) {
      return report(reports.get(0));
    }
    java.util.SortedSet<String> failedKeyIds = new java.util.TreeSet<>();
    List<String> samples = new ArrayList<>();
    long[] sums = new long[8];
    int instances = 0;
    Duration elapsed = Duration.ZERO;
    for (LoadReport r : reports) {
      sums[0] += r.writes();
      sums[1] += r.writesOk();
      sums[2] += r.reads();
      sums[3] += r.readsOk();
      sums[4] += r.decryptFailures();
      sums[5] += r.wrongPlaintexts();
      sums[6] += r.httpErrors();
      sums[7] += r.transportErrors();
      failedKeyIds.addAll(r.failedKeyIds());
      samples.addAll(r.failureSamples());
      instances += r.instances();
      elapsed = r.elapsed().compareTo(elapsed) > 0 ? r.elapsed() : elapsed;
    }
    Map<String, Object> json =
        report(
            new LoadReport(
                sums[0],
                sums[1],
                sums[2],
                sums[3],
                sums[4],
                sums[5],
                sums[6],
                sums[7],
                failedKeyIds,
                samples.subList(0, Math.min(samples.size(), 20)),
                instances,
                elapsed));
    json.put("workloads", reports.stream().map(LoadReport::summary).toList());
    return json;
  }

  /**
   * Every rollout the rollout simulator played for each workload's Deployment, with the restart
   * mark the pod template carried ({@code rotor.dev/rotation}).
   */
  private static List<Map<String, Object>> rollouts(
      KubernetesApiServer api, List<ClusterSpec> workloads) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (ClusterSpec workload : workloads) {
      for (var rollout : api.rollouts().rollouts(workload.namespace(), workload.deployment())) {
        Map<String, String> annotations =
            rollout.templateAnnotations() == null ? Map.of() : rollout.templateAnnotations();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("namespace", rollout.namespace());
        r.put("deployment", rollout.deployment());
        r.put("generation", rollout.generation());
        r.put("mark", annotations.get("rotor.dev/rotation"));
        r.put("restartedAt", annotations.get("kubectl.kubernetes.io/restartedAt"));
        r.put("startedAt", String.valueOf(rollout.startedAt()));
        r.put(
            "completedAt", rollout.completedAt() == null ? null : rollout.completedAt().toString());
        list.add(r);
      }
    }
    return list;
  }

  private static Map<String, Object> report(LoadReport report) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("writes", report.writes());
    json.put("writesOk", report.writesOk());
    json.put("reads", report.reads());
    json.put("readsOk", report.readsOk());
    json.put("decryptFailures", report.decryptFailures());
    json.put("wrongPlaintexts", report.wrongPlaintexts());
    json.put("httpErrors", report.httpErrors());
    json.put("transportErrors", report.transportErrors());
    json.put("failedKeyIds", List.copyOf(report.failedKeyIds()));
    json.put("failureSamples", report.failureSamples());
    json.put("instances", report.instances());
    json.put("summary", report.summary());
    return json;
  }

  private static List<Map<String, Object>> pods(PodProcesses kubelet) {
    return kubelet.running().stream()
        .map(
            p -> {
              Map<String, Object> pod = new LinkedHashMap<>();
              pod.put("pod", p.pod());
              pod.put("process", p.id());
              pod.put("pid", p.pid());
              pod.put("url", p.url() == null ? null : p.url().toString());
              pod.put("ready", p.ready());
              pod.put("primaryKeyId", p.primaryKeyId());
              pod.put("retiring", p.retiringSince() != null);
              return pod;
            })
        .toList();
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> query = new LinkedHashMap<>();
    if (uri.getRawQuery() == null) {
      return query;
    }
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      query.put(
          URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return query;
  }

  private static void respond(HttpExchange exchange, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
