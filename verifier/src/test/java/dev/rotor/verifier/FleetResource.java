package dev.rotor.verifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.examples.load.LoadGenerator;
import dev.rotor.testsupport.PostgresServer;
import dev.rotor.testsupport.PrometheusServer;
import dev.rotor.testsupport.SecretsServiceProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Starts the {@link Fleet} before the verifier: secrets-service processes on one database of the
 * test JVM's PostgreSQL, load on every Deployment but the quiet one (which gets a few requests and
 * then none), and Prometheus scraping them; gives the verifier {@code
 * rotor.verifier.prometheus.url}. Stops everything it started, also when a start fails.
 */
public class FleetResource implements QuarkusTestResourceLifecycleManager {
  private static final Logger LOG = Logger.getLogger(FleetResource.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final List<SecretsServiceProcess> started = new ArrayList<>();
  private final Map<String, LoadGenerator> loads = new LinkedHashMap<>();
  private final ScheduledExecutorService crossReads = Executors.newSingleThreadScheduledExecutor();
  private final HttpClient http = HttpClient.newHttpClient();
  private PrometheusServer prometheus;
  private String database;
  private Fleet fleet;

  @Override
  public Map<String, String> start() {
    try {
      return startFleet();
    } catch (RuntimeException | Error e) {
      stop();
      throw e;
    }
  }

  private Map<String, String> startFleet() {
    GeneratedKey oldKey = GeneratedKey.generate();
    GeneratedKey newKey = GeneratedKey.generate();
    GeneratedKey otherKey = GeneratedKey.generate();
    database = PostgresServer.createDatabase();

    Map<String, List<SecretsServiceProcess>> pods = new LinkedHashMap<>();
    for (String deployment :
        List.of(Fleet.HEALTHY, Fleet.ERRORS, Fleet.SLOW, Fleet.QUIET, Fleet.SPIKE)) {
      pods.put(deployment, List.of(launch(deployment, newKey, List.of(oldKey), Map.of())));
    }
    pods.put(
        Fleet.ALREADY_FAILING,
        List.of(
            launch(
                Fleet.ALREADY_FAILING,
                newKey,
                List.of(oldKey),
                Map.of("secrets-service.fault.error-ratio", "0.3"))));
    // One pod rolled out with the new keyring, one left behind with only the old key: what the
    // new pod writes, the old one cannot read.
    pods.put(
        Fleet.DECRYPTING,
        List.of(
            launch(Fleet.DECRYPTING + "-new", newKey, List.of(oldKey), Map.of()),
            launch(Fleet.DECRYPTING + "-old", oldKey, List.of(), Map.of())));
    CompletableFuture.allOf(
            started.stream()
                .map(p -> CompletableFuture.runAsync(() -> p.awaitReady(START_TIMEOUT)))
                .toArray(CompletableFuture[]::new))
        .join();

    // Micrometer creates a status series at the first response with that status, so Prometheus
    // sees no increase in the errors that create it. The spike pod failed once before, as any pod
    // that ever failed has: its burst of errors later shows as an increase.
    SecretsServiceProcess spike = pods.get(Fleet.SPIKE).get(0);
    spike.fault(1.0, Duration.ZERO);
    crossRead(spike, spike);
    spike.fault(0, Duration.ZERO);

    List<PrometheusServer.Target> targets = new ArrayList<>();
    pods.forEach(
        (deployment, processes) ->
            processes.forEach(
                process ->
                    targets.add(
                        new PrometheusServer.Target(
                            process.address(),
                            "/q/metrics",
                            PrometheusServer.labels(
                                "namespace", Fleet.NAMESPACE, "deployment", deployment)))));
    prometheus = PrometheusServer.start(targets);

    pods.forEach(
        (deployment, processes) -> {
          LoadGenerator.Builder load =
              LoadGenerator.builder()
                  .targets(processes.stream().map(SecretsServiceProcess::baseUrl).toList())
                  .workers(1)
                  .pause(Duration.ofMillis(60))
                  .requestTimeout(Duration.ofSeconds(10));
          if (deployment.equals(Fleet.QUIET)) {
            load.maxWrites(10);
          } else {
            load.duration(Duration.ofMinutes(15));
          }
          loads.put(deployment, load.build().start());
        });
    // What a rolling restart gone wrong looks like: the new pod writes with the new key, the pod
    // left behind reads it and cannot decrypt it.
    SecretsServiceProcess writer = pods.get(Fleet.DECRYPTING).get(0);
    SecretsServiceProcess reader = pods.get(Fleet.DECRYPTING).get(1);
    crossReads.scheduleWithFixedDelay(
        () -> crossRead(writer, reader), 0, 250, TimeUnit.MILLISECONDS);
    prometheus.awaitTargetsUp(Duration.ofSeconds(60));
    fleet = new Fleet(oldKey, newKey, otherKey, pods, loads, prometheus);
    LOG.infof("fleet ready: %s", prometheus);
    return Map.of("rotor.verifier.prometheus.url", prometheus.url().toString());
  }

  private SecretsServiceProcess launch(
      String name,
      GeneratedKey primary,
      List<GeneratedKey> decryptOnly,
      Map<String, String> properties) {
    SecretsServiceProcess process =
        SecretsServiceProcess.start(name, database, primary, decryptOnly, properties);
    started.add(process);
    return process;
  }

  /** Writes a payload through {@code writer} and reads it through {@code reader}. */
  private void crossRead(SecretsServiceProcess writer, SecretsServiceProcess reader) {
    try {
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(writer.baseUrl().resolve("/payloads"))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"plaintext\": \"cross-read\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String id = new ObjectMapper().readTree(created.body()).path("id").asText();
      http.send(
          HttpRequest.newBuilder(reader.baseUrl().resolve("/payloads/" + id))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      LOG.debugf("cross read failed: %s", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(fleet, new TestInjector.MatchesType(Fleet.class));
  }

  @Override
  public void stop() {
    crossReads.shutdownNow();
    for (LoadGenerator load : loads.values()) {
      try {
        load.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    loads.clear();
    CompletableFuture.allOf(
            started.stream()
                .map(p -> CompletableFuture.runAsync(p::close))
                .toArray(CompletableFuture[]::new))
        .join();
    started.clear();
    if (prometheus != null) {
      prometheus.close();
      prometheus = null;
    }
    if (database != null) {
      try {
        PostgresServer.dropDatabase(database);
      } catch (RuntimeException e) {
        LOG.warnf("database %s not dropped: %s", database, e.getMessage());
      }
      database = null;
    }
    if (fleet != null) {
      fleet.oldKey().close();
      fleet.newKey().close();
      fleet.otherKey().close();
      fleet = null;
    }
  }
}
