package dev.rotor.testsupport;

import static org.awaitility.Awaitility.await;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.keyring.KeyringLayout;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One instance of the packaged reference workload, {@code examples/secrets-service} ({@code java
 * -jar .../quarkus-app/quarkus-run.jar}), run as a child process like one pod: loopback, a port of
 * its own (read from its log), its keyring in the environment ({@code ROTOR_KEYRING_*}), a database
 * on the test JVM's PostgreSQL, the fault switch changeable at runtime ({@link #fault}). Its output
 * goes to a log file. Stopped by {@link #close()}, and by a shutdown hook if the JVM ends first.
 *
 * <p>The application is {@code -Dsecrets-service.app}, else {@code
 * examples/secrets-service/target/quarkus-app/quarkus-run.jar} of the working directory's parent
 * project.
 */
public final class SecretsServiceProcess implements AutoCloseable {
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

  private SecretsServiceProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** The packaged application that {@link #start} runs. */
  public static Path application() {
    String configured = System.getProperty("secrets-service.app");
    return configured != null
        ? Path.of(configured)
        : Path.of("..", "examples", "secrets-service", "target", "quarkus-app", "quarkus-run.jar");
  }

  /**
   * Starts an instance (without waiting for it: {@link #awaitReady}).
   *
   * @param name the instance's name (its log file is {@code <name>.log})
   * @param database a database on {@link PostgresServer} ({@link PostgresServer#createDatabase()})
   * @param primary the keyring's primary key
   * @param decryptOnly the keyring's decrypt-only keys
   * @param properties more system properties, e.g. {@code secrets-service.fault.error-ratio}
   */
  public static SecretsServiceProcess start(
      String name,
      String database,
      GeneratedKey primary,
      List<GeneratedKey> decryptOnly,
      Map<String, String> properties) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("secrets-service.keyring.source", "environment");
    settings.put("secrets-service.fault.admin-enabled", "true");
    settings.putAll(properties);
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put(KeyringLayout.PRIMARY_ENV_VAR, primary.keyId());
    environment.put(KeyringLayout.envVarOf(primary.keyId()), primary.revealBase64());
    for (GeneratedKey key : decryptOnly) {
      environment.put(KeyringLayout.envVarOf(key.keyId()), key.revealBase64());
    }
    return start(
        name,
        TestDirectories.componentDirectory("secrets-service"),
        database,
        settings,
        environment);
  }

  /**
   * Starts an instance with the keyring its properties or environment name (without waiting for it:
   * {@link #awaitReady}), like one pod: its own port, its output in {@code
   * <logDirectory>/<name>.log}.
   *
   * @param database a database on {@link PostgresServer} ({@link PostgresServer#createDatabase()})
   * @param properties system properties ({@code -D}) on top of the database and HTTP settings
   * @param environment environment variables, e.g. the {@code ROTOR_KEYRING_*} of its keyring (none
   *     of the test JVM's own are passed on)
   */
  public static SecretsServiceProcess start(
      String name,
      Path logDirectory,
      String database,
      Map<String, String> properties,
      Map<String, String> environment) {
    Path app = application();
    if (!Files.isRegularFile(app)) {
      throw new IllegalStateException(
          app.toAbsolutePath()
              + " does not exist: package examples/secrets-service first (./mvnw -pl"
              + " examples/secrets-service -am package -DskipTests), or set -Dsecrets-service.app");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A small, quickly starting JVM per "pod": several share two cores with the test.
    command.addAll(
        List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms32m", "-Xmx160m", "-Xss512k"));
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("quarkus.http.host", "127.0.0.1");
    settings.put("quarkus.http.port", "0");
    settings.put("quarkus.console.color", "false");
    settings.put("quarkus.datasource.jdbc.url", PostgresServer.jdbcUrl(database));
    settings.put("quarkus.datasource.username", PostgresServer.username());
    settings.put("quarkus.datasource.password", PostgresServer.password());
    settings.putAll(properties);
    settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(app.toAbsolutePath().toString());
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
      return new SecretsServiceProcess(name, process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** Waits until the instance listens and reports ready; fails early with its log if it died. */
  public SecretsServiceProcess awaitReady(Duration timeout) {
    await("secrets-service " + name + " ready")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .failFast(
            "secrets-service " + name + " exited",
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(
                    name + " exited with " + process.exitValue() + ":\n" + logTail());
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

  public String name() {
    return name;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI baseUrl() {
    if (baseUrl == null) {
      throw new IllegalStateException(name + " is not ready yet");
    }
    return baseUrl;
  }

  /** The port it listens on. */
  public int port() {
    return baseUrl().getPort();
  }

  /** {@code 127.0.0.1:<port>}, as a scrape target. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /**
   * Sets the fault switch of the running instance: the share of {@code /payloads} requests that
   * fail with HTTP 500, and the latency added to each.
   */
  public void fault(double errorRatio, Duration extraLatency) {
    String body =
        String.format(
            Locale.ROOT,
            "{\"errorRatio\": %s, \"extraLatency\": \"%s\"}",
            Double.toString(errorRatio),
            extraLatency);
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(baseUrl().resolve("/admin/fault"))
                  .timeout(Duration.ofSeconds(5))
                  .header("Content-Type", "application/json")
                  .PUT(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            name
                + " refused the fault switch: HTTP "
                + response.statusCode()
                + " "
                + response.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Its output so far. */
  public String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Its log file. */
  public Path log() {
    return log;
  }

  /** The lines of its output so far that contain {@code fragment}. */
  public List<String> logLines(String fragment) {
    return logText().lines().filter(line -> line.contains(fragment)).toList();
  }

  private String logTail() {
    List<String> lines = logText().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  /** GET on the instance, e.g. {@code /q/metrics}; the body. */
  public String get(String path) {
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

  public boolean isAlive() {
    return process.isAlive();
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
