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
    PodProcesses[] kubelet = new PodProcesses[1];
    LoadGenerator[] load = new LoadGenerator[1];
    HttpServer[] control = new HttpServer[1];
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (control[0] != null) {
                    control[0].stop(0);
                  }
                  if (load[0] != null) {
                    try {
                      System.out.println("ROTOR-8108 " + load[0].stop().summary());
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  if (kubelet[0] != null) {
                    kubelet[0].close();
                  }
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
    GenericKubernetesResource sealed =
        Serialization.unmarshal(
            Files.readString(Path.of(spec.initialManifest()), StandardCharsets.UTF_8),
            GenericKubernetesResource.class);
    // As the runbook did it: `kubectl apply -f secret-secrets-service-config.yaml`. Rotor's
    // cluster-agent takes over the fields kubectl's client-side apply owns, and only those.
    api.clientAs("kubectl-client-side-apply")
        .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
        .inNamespace(spec.namespace())
        .resource(sealed)
        .create();
    awaitSecret(client, spec);
    System.out.println(
        "ROTOR-8109 the sealed-secrets controller unsealed "
            + spec.namespace()
            + "/"
            + spec.secretName());

    kubelet[0] = new PodProcesses(spec, api, registry);
    api.rollouts().readyAfter(spec.podStart());
    api.rollouts().createDeployment(spec.namespace(), spec.deployment(), spec.replicas());
    List<PodProcess> first = awaitPods(kubelet[0], spec.replicas(), Duration.ofMinutes(3));
    load[0] =
        LoadGenerator.builder()
            .targets(first.stream().map(PodProcess::url).toList())
            .workers(2)
            .pause(Duration.ofMillis(100))
            .duration(Duration.ofDays(1))
            .requestTimeout(Duration.ofSeconds(10))
            .build()
            .start();
    kubelet[0].load(load[0]);

    control[0] = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    control[0].createContext("/load", exchange -> respond(exchange, report(load[0].report())));
    control[0].createContext("/pods", exchange -> respond(exchange, pods(kubelet[0])));
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
            kubelet[0].fault(rule);
            System.out.println("ROTOR-8110 fault rule set: " + rule);
            respond(exchange, Map.of("fault", rule.toString()));
          } else if ("DELETE".equals(exchange.getRequestMethod())) {
            kubelet[0].fault(null);
            respond(exchange, Map.of("fault", "none"));
          } else {
            respond(exchange, Map.of("fault", String.valueOf(kubelet[0].fault())));
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
