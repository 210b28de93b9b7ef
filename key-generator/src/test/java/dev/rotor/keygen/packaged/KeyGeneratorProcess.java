package dev.rotor.keygen.packaged;

import static org.awaitility.Awaitility.await;

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
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged key-generator ({@code target/quarkus-app/quarkus-run.jar}) run as operators run it:
 * its own JVM, configured with system properties. Its output goes to a file under the build
 * directory. {@link #close()} stops it with SIGTERM, and kills it if it does not stop.
 */
final class KeyGeneratorProcess implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Path output;
  private final int port;
  private final long startedNanos = System.nanoTime();

  private KeyGeneratorProcess(Process process, Path output, int port) {
    this.process = process;
    this.output = output;
    this.port = port;
  }

  /** Starts the application with {@code properties} as {@code -D} options. */
  static KeyGeneratorProcess start(String name, Map<String, String> properties) {
    Path app =
        Paths.get(System.getProperty("rotor.test.app", "target/quarkus-app/quarkus-run.jar"));
    if (!Files.isRegularFile(app)) {
      throw new IllegalStateException(app + " does not exist: run the package phase first");
    }
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-Dquarkus.http.port=" + port);
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(app.toString());
    Path output =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "packaged-" + name + ".log");
    try {
      Files.deleteIfExists(output);
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      return new KeyGeneratorProcess(process, output, port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /** Waits until {@code /q/health/ready} says UP, and returns how long the start took. */
  Duration awaitReady(Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .failFast("the application exited; see its output in " + output, () -> !process.isAlive())
        .until(() -> status("/q/health/ready") == 200);
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }

  /** Waits until the process exits, and returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the application did not exit within " + timeout + "; " + output);
    }
    return process.exitValue();
  }

  /** Everything it wrote to stdout and stderr so far. */
  String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The status of a GET on the application's HTTP port; -1 while nothing listens. */
  int status(String path) throws InterruptedException {
    try {
      return send(path).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The body of a GET on the application's HTTP port. */
  String body(String path) throws IOException, InterruptedException {
    return send(path).body();
  }

  private HttpResponse<String> send(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
