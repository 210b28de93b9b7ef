package dev.rotor.examples.secrets.rollout;

import static org.awaitility.Awaitility.await;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One instance of the packaged Secrets Service ({@code java -jar
 * target/quarkus-app/quarkus-run.jar}) run as a child process, like one pod: its own port (chosen
 * by the process, read from its log), its own keyring directory or environment, its output captured
 * in a log file. Every process is stopped by {@link #close()}, and by a shutdown hook if the test
 * JVM ends first.
 */
final class ServiceProcess implements AutoCloseable {
  private static final Path APP =
      Path.of(System.getProperty("secrets-service.app", "target/quarkus-app/quarkus-run.jar"));
  private static final Pattern LISTENING =
      Pattern.compile("Listening on: http://127\\.0\\.0\\.1:(\\d+)");
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "secrets-service-stop"));
  }

  private final String name;
  private final Process process;
  private final Path log;
  private volatile URI baseUrl;

  private ServiceProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts an instance.
   *
   * @param properties system properties ({@code -D}) on top of the database and HTTP settings
   * @param environment extra environment variables (e.g. {@code ROTOR_KEYRING_*})
   */
  static ServiceProcess start(
      String name,
      Path logDirectory,
      Database database,
      Map<String, String> properties,
      Map<String, String> environment) {
    if (!Files.isRegularFile(APP)) {
      throw new IllegalStateException(
          APP + " does not exist: the *IT tests run after `package` (./mvnw verify)");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A small, quickly starting JVM per "pod": three of them share two cores with the test.
    command.addAll(
        List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms32m", "-Xmx128m", "-Xss512k"));
    command.add("-Dquarkus.http.host=127.0.0.1");
    command.add("-Dquarkus.http.port=0");
    command.add("-Dquarkus.console.color=false");
    command.add("-Dquarkus.datasource.jdbc.url=" + database.jdbcUrl());
    command.add("-Dquarkus.datasource.username=" + database.username());
    command.add("-Dquarkus.datasource.password=" + database.password());
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(APP.toAbsolutePath().toString());
    try {
      Files.createDirectories(logDirectory);
      Path log = logDirectory.resolve(name + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
      builder.environment().keySet().removeIf(variable -> variable.startsWith("ROTOR_KEYRING_"));
      builder.environment().putAll(environment);
      Process process = builder.start();
      RUNNING.add(process);
      return new ServiceProcess(name, process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** Waits until the instance listens and reports ready; fails early with its log if it died. */
  ServiceProcess awaitReady(Duration timeout) {
    await("instance " + name + " ready")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .failFast(
            "instance " + name + " exited",
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(
                    "instance " + name + " exited with " + process.exitValue() + ":\n" + logTail());
              }
            })
        .until(this::ready);
    return this;
  }

  private boolean ready() {
    if (baseUrl == null) {
      Matcher matcher = LISTENING.matcher(logText());
      if (!matcher.find()) {
        return false;
      }
      baseUrl = URI.create("http://127.0.0.1:" + matcher.group(1));
    }
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(baseUrl.resolve("/q/health/ready"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  String name() {
    return name;
  }

  URI baseUrl() {
    if (baseUrl == null) {
      throw new IllegalStateException("instance " + name + " is not ready yet");
    }
    return baseUrl;
  }

  /** GET on the instance, e.g. {@code /q/metrics}; the body. */
  String get(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(baseUrl().resolve(path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Path log() {
    return log;
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  List<String> logLines(String fragment) {
    return logText().lines().filter(line -> line.contains(fragment)).toList();
  }

  private String logTail() {
    List<String> lines = logText().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  /** SIGTERM (Quarkus shuts down gracefully), then SIGKILL if it is still there after 20 s. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    RUNNING.remove(process);
  }

  @Override
  public String toString() {
    return name + (baseUrl == null ? "" : " at " + baseUrl);
  }
}
