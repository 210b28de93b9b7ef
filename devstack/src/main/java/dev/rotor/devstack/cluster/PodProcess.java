package dev.rotor.devstack.cluster;

import dev.rotor.devstack.process.Jvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One simulated pod's container: a real process of the example workload, reading the keyring the
 * Secret held when the pod started (written to files, as the kubelet mounts a Secret), on a port of
 * its own, with its log in a file the cluster's API serves as the pod's log.
 */
final class PodProcess {
  private static final Pattern LISTENING =
      Pattern.compile("Listening on: http://127\\.0\\.0\\.1:(\\d+)");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String id;
  private final String deployment;
  private final String primaryKeyId;
  private final Process process;
  private final Path log;
  private ProcessBuilder builder;
  private int restarts;
  private final Instant startedAt = Instant.now();
  private volatile String pod;
  private volatile URI url;
  private volatile boolean ready;
  private volatile Instant retiringSince;

  private PodProcess(String id, String deployment, String primaryKeyId, Process process, Path log) {
    this.id = id;
    this.deployment = deployment;
    this.primaryKeyId = primaryKeyId;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts the workload with {@code keyring} (data key to bytes, as the Secret holds it) written to
   * {@code directory/keyring}.
   */
  static PodProcess start(
      String id,
      String deployment,
      Map<String, byte[]> keyring,
      String primaryKeyId,
      ClusterSpec spec) {
    Path directory = Path.of(spec.podDirectory()).resolve(id);
    Path keyringDirectory = directory.resolve("keyring");
    Path log = Path.of(spec.podLogDirectory()).resolve(id + ".log");
    try {
      Files.createDirectories(keyringDirectory);
      Files.createDirectories(log.getParent());
      for (Map.Entry<String, byte[]> entry : keyring.entrySet()) {
        Path file = keyringDirectory.resolve(entry.getKey());
        Files.write(file, entry.getValue());
        file.toFile().setReadable(false, false);
        file.toFile().setReadable(true, true);
      }
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("quarkus.http.host", "127.0.0.1");
      properties.put("quarkus.http.port", "0");
      properties.put("quarkus.console.color", "false");
      properties.put("quarkus.log.console.format", "%d{HH:mm:ss,SSS} %-5p [%c{3.}] %s%e%n");
      properties.put("quarkus.datasource.jdbc.url", spec.jdbcUrl());
      properties.put("quarkus.datasource.username", spec.jdbcUser());
      properties.put("quarkus.datasource.password", spec.jdbcUser());
      properties.put("secrets-service.keyring.source", "directory");
      properties.put("secrets-service.keyring.dir", keyringDirectory.toString());
      properties.put("secrets-service.fault.admin-enabled", "true");
      ProcessBuilder builder =
          new ProcessBuilder(Jvm.jar("128m", properties, spec.workloadJar()))
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().keySet().removeIf(name -> name.startsWith("ROTOR_KEYRING_"));
      PodProcess started = new PodProcess(id, deployment, primaryKeyId, builder.start(), log);
      started.builder = builder;
      return started;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the workload of " + id, e);
    }
  }

  /**
   * The same container started again after it exited (the kubelet's restartPolicy Always): same
   * keyring files, same log (appended), a new port; not ready until it answers.
   */
  PodProcess restarted() {
    try {
      PodProcess again = new PodProcess(id, deployment, primaryKeyId, builder.start(), log);
      again.builder = builder;
      again.restarts = restarts + 1;
      again.pod = pod;
      return again;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the workload of " + id + " again", e);
    }
  }

  /** How often its container was started again after it exited. */
  int restarts() {
    return restarts;
  }

  /** The exit code, once it exited. */
  int exitCode() {
    return process.exitValue();
  }

  String id() {
    return id;
  }

  String deployment() {
    return deployment;
  }

  /** The primary key id of the keyring it started with. */
  String primaryKeyId() {
    return primaryKeyId;
  }

  /** The pod it runs for, once the simulator created the pod. */
  String pod() {
    return pod;
  }

  void pod(String pod) {
    this.pod = pod;
  }

  Path log() {
    return log;
  }

  long pid() {
    return process.pid();
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  Instant startedAt() {
    return startedAt;
  }

  boolean alive() {
    return process.isAlive();
  }

  boolean ready() {
    return ready;
  }

  URI url() {
    return url;
  }

  Instant retiringSince() {
    return retiringSince;
  }

  void retire() {
    if (retiringSince == null) {
      retiringSince = Instant.now();
    }
  }

  /** Checks once whether it listens and reports ready; true once it has. */
  boolean checkReady() {
    if (ready) {
      return true;
    }
    if (url == null) {
      Matcher matcher = LISTENING.matcher(logText());
      if (!matcher.find()) {
        return false;
      }
      url = URI.create("http://127.0.0.1:" + matcher.group(1));
    }
    try {
      int status =
          HTTP.send(
                  HttpRequest.newBuilder(url.resolve("/q/health/ready"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode();
      ready = status == 200;
    } catch (IOException e) {
      ready = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ready;
  }

  /** Turns the workload's fault switch ({@code PUT /admin/fault}). */
  void fault(double errorRatio, Duration extraLatency) throws IOException, InterruptedException {
    String body =
        "{\"errorRatio\": " + errorRatio + ", \"extraLatency\": \"" + extraLatency + "\"}";
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(url.resolve("/admin/fault"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("PUT /admin/fault answered " + response.statusCode());
    }
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGTERM (the workload drains its requests), SIGKILL after {@code grace}. */
  void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return id + (pod == null ? "" : " (pod " + pod + ")") + (url == null ? "" : " at " + url);
  }
}
