package dev.rotor.testsupport;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Prometheus (Debian's {@code /usr/bin/prometheus}, or {@code -Drotor.test.prometheus}) on
 * loopback, scraping the given targets every second with a generated configuration:
 *
 * <pre>{@code
 * try (PrometheusServer prometheus = PrometheusServer.start(List.of(
 *     new PrometheusServer.Target("127.0.0.1:8080", "/q/metrics",
 *         Map.of("namespace", "shop", "deployment", "checkout"))))) {
 *   prometheus.awaitTargetsUp(Duration.ofSeconds(30));
 *   URI api = prometheus.url(); // http://127.0.0.1:<port>/
 * }
 * }</pre>
 *
 * <p>Its data and log go under {@code ${rotor.test.tmpdir}/prometheus/run-<pid>-<id>/}; the
 * configuration is checked with {@code promtool} when it is installed. The process is stopped by
 * {@link #close()}, and by a shutdown hook if the JVM ends first. The first sample is queryable
 * about 6 s after the start (Prometheus discovers targets every ~5 s).
 */
public final class PrometheusServer implements AutoCloseable {
  /** The Prometheus binary; {@code -Drotor.test.prometheus} overrides it. */
  public static final Path BINARY =
      Path.of(System.getProperty("rotor.test.prometheus", "/usr/bin/prometheus"));

  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "prometheus-stop"));
  }

  /**
   * A scrape target.
   *
   * @param address {@code host:port}
   * @param metricsPath the path of its metrics, e.g. {@code /q/metrics}
   * @param labels labels added to every series scraped from it (e.g. {@code namespace}, {@code
   *     deployment}, as Kubernetes service discovery would add them)
   */
  public record Target(String address, String metricsPath, Map<String, String> labels) {
    public Target {
      labels = new TreeMap<>(labels);
    }
  }

  private final Process process;
  private final Path directory;
  private final URI url;
  private final List<Target> targets;

  private PrometheusServer(Process process, Path directory, URI url, List<Target> targets) {
    this.process = process;
    this.directory = directory;
    this.url = url;
    this.targets = List.copyOf(targets);
  }

  /** Starts Prometheus scraping {@code targets} every second, and waits until it is ready. */
  public static PrometheusServer start(List<Target> targets) {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          BINARY + " is not installed: apt-get install -y prometheus (Debian's package)");
    }
    Path directory = TestDirectories.newJvmDirectory("prometheus", "run");
    try {
      Files.createDirectories(directory.resolve("data"));
      Path config = directory.resolve("prometheus.yml");
      Files.writeString(config, configuration(targets), StandardCharsets.UTF_8);
      checkConfiguration(config);
      int port = freePort();
      Process process =
          new ProcessBuilder(
                  BINARY.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + directory.resolve("data"),
                  "--storage.tsdb.retention.time=2h",
                  "--web.listen-address=127.0.0.1:" + port,
                  "--log.level=warn")
              .redirectErrorStream(true)
              .redirectOutput(directory.resolve("prometheus.log").toFile())
              .start();
      RUNNING.add(process);
      PrometheusServer server =
          new PrometheusServer(
              process, directory, URI.create("http://127.0.0.1:" + port + "/"), targets);
      server.awaitReady(Duration.ofSeconds(30));
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Prometheus in " + directory, e);
    }
  }

  /** The generated configuration: one job per target, every second. */
  static String configuration(List<Target> targets) {
    StringBuilder yaml =
        new StringBuilder(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                + (targets.isEmpty() ? "scrape_configs: []\n" : "scrape_configs:\n"));
    for (int i = 0; i < targets.size(); i++) {
      Target target = targets.get(i);
      yaml.append("  - job_name: 'target-").append(i).append("'\n");
      yaml.append("    metrics_path: '").append(target.metricsPath()).append("'\n");
      yaml.append("    static_configs:\n");
      yaml.append("      - targets: ['").append(target.address()).append("']\n");
      if (!target.labels().isEmpty()) {
        yaml.append("        labels:\n");
        target
            .labels()
            .forEach(
                (name, value) ->
                    yaml.append("          ")
                        .append(name)
                        .append(": '")
                        .append(value.replace("'", "''"))
                        .append("'\n"));
      }
    }
    return yaml.toString();
  }

  /** The HTTP API's base URL, {@code http://127.0.0.1:<port>/}. */
  public URI url() {
    return url;
  }

  /** The address of Prometheus' own metrics endpoint, {@code 127.0.0.1:<port>}. */
  public String address() {
    return url.getHost() + ":" + url.getPort();
  }

  /** Waits until every target was scraped successfully at least once. */
  public PrometheusServer awaitTargetsUp(Duration timeout) {
    await("Prometheus scraping all " + targets.size() + " targets")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .failFast("Prometheus exited", () -> !process.isAlive())
        .until(() -> upTargets() >= targets.size());
    return this;
  }

  /** The value of an instant query now (the first series), or empty. */
  public java.util.Optional<Double> query(String promql) {
    JsonNode result =
        get("api/v1/query?query=" + java.net.URLEncoder.encode(promql, StandardCharsets.UTF_8))
            .path("data")
            .path("result");
    if (!result.isArray() || result.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(Double.parseDouble(result.get(0).path("value").path(1).asText()));
  }

  /** Prometheus' own log (warnings and errors). */
  public String log() {
    try {
      return Files.readString(directory.resolve("prometheus.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private long upTargets() {
    JsonNode active = get("api/v1/targets?state=active").path("data").path("activeTargets");
    long up = 0;
    for (JsonNode target : active) {
      if ("up".equals(target.path("health").asText())) {
        up++;
      }
    }
    return up;
  }

  private void awaitReady(Duration timeout) {
    await("Prometheus ready")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .failFast(
            "Prometheus exited",
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("Prometheus exited:\n" + log());
              }
            })
        .until(
            () -> {
              try {
                return HTTP.send(
                            HttpRequest.newBuilder(url.resolve("-/ready"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              } catch (IOException e) {
                return false;
              }
            });
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new ObjectMapper().readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void checkConfiguration(Path config) throws IOException {
    Path promtool = BINARY.resolveSibling("promtool");
    if (!Files.isExecutable(promtool)) {
      return;
    }
    Process check =
        new ProcessBuilder(promtool.toString(), "check", "config", config.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!check.waitFor(30, TimeUnit.SECONDS) || check.exitValue() != 0) {
        throw new IllegalStateException("promtool refuses the generated configuration:\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Stops Prometheus (SIGTERM, then SIGKILL after 10 s) and deletes its data. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    RUNNING.remove(process);
    TestDirectories.deleteRecursively(directory.resolve("data"));
  }

  @Override
  public String toString() {
    return "Prometheus at "
        + url
        + " scraping "
        + targets.stream().map(Target::address).collect(Collectors.joining(", "));
  }

  /** Labels as a map, in order: {@code labels("namespace", "shop", "deployment", "checkout")}. */
  public static Map<String, String> labels(String... namesAndValues) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
      labels.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return labels;
  }

  /** For diagnostics: the targets as Prometheus sees them. */
  public List<String> targetHealth() {
    List<String> health = new ArrayList<>();
    for (JsonNode target : get("api/v1/targets?state=active").path("data").path("activeTargets")) {
      health.add(
          target.path("scrapeUrl").asText()
              + " "
              + target.path("health").asText()
              + " "
              + target.path("lastError").asText());
    }
    return health;
  }
}
