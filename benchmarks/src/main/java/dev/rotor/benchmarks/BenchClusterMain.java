package dev.rotor.benchmarks;

import dev.rotor.devstack.infra.ParentWatch;
import dev.rotor.devstack.infra.ReadyFile;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.SealedSecretsController;
import dev.rotor.testsupport.kubernetes.SealingKeyPair;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One simulated cluster of a benchmark run, as a process of its own: fabric8's Kubernetes mock API,
 * test-support's sealed-secrets controller and rollout simulator with <b>zero</b> readiness delay
 * (a restarted Deployment's new pod is ready as soon as the simulator sees the change), and one
 * SealedSecret and one Deployment (1 replica) per target. The pods are API objects only, no
 * processes: the benchmarks measure Rotor, not a workload. Each new pod's log holds the line the
 * policy requires ({@value BenchSeed#REQUIRED_LOG_LINE}).
 *
 * <p>Arguments: cluster name, the targets on it (comma-separated indices), the seed repository
 * folder (the manifests), the sealing key folder, the ready file, the parent's pid.
 */
public final class BenchClusterMain {
  private BenchClusterMain() {}

  public static void main(String[] args) throws Exception {
    String name = args[0];
    List<Integer> targets = Arrays.stream(args[1].split(",")).map(Integer::valueOf).toList();
    Path seed = Path.of(args[2]);
    System.setProperty("rotor.test.tmpdir", args[3]);
    Path ready = Path.of(args[4]);
    ParentWatch.start(Long.parseLong(args[5]));
    long begin = System.nanoTime();
    KubernetesApiServer api = KubernetesApiServer.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  api.close();
                  stopped.countDown();
                },
                "rotor-bench-cluster-stop"));
    KubernetesClient client = api.client();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(BenchSeed.NAMESPACE)
                .endMetadata()
                .build())
        .create();
    api.sealedSecrets(SealingKeyPair.shared());
    api.rollouts().readyAfter(Duration.ZERO);
    KubernetesClient kubectl = api.clientAs("kubectl-client-side-apply");
    for (int i : targets) {
      GenericKubernetesResource sealed =
          Serialization.unmarshal(
              Files.readString(seed.resolve(BenchSeed.manifestPath(i)), StandardCharsets.UTF_8),
              GenericKubernetesResource.class);
      kubectl
          .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
          .inNamespace(BenchSeed.NAMESPACE)
          .resource(sealed)
          .create();
      api.rollouts()
          .logLines(
              BenchSeed.NAMESPACE,
              BenchSeed.deployment(i),
              List.of("started", BenchSeed.REQUIRED_LOG_LINE));
      api.rollouts().createDeployment(BenchSeed.NAMESPACE, BenchSeed.deployment(i), 1);
    }
    awaitSecrets(client, targets.size());
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("apiUrl", api.url());
    content.put("targets", targets.size());
    ReadyFile.write(ready, content);
    System.out.printf(
        "ROTOR-9001 cluster %s ready in %.1f s: API %s, %d Secrets and Deployments%n",
        name, (System.nanoTime() - begin) / 1e9, api.url(), targets.size());
    stopped.await();
  }

  private static void awaitSecrets(KubernetesClient client, int targets)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (client.secrets().inNamespace(BenchSeed.NAMESPACE).list().getItems().size() < targets) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "ROTOR-9002 the sealed-secrets controller did not unseal " + targets + " Secrets");
      }
      Thread.sleep(200);
    }
  }
}
