package dev.rotor.verifier;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged verifier ({@code target/quarkus-app/quarkus-run.jar}, {@code -Drotor.test.app}) run
 * as a process with the given configuration, as an operator runs it; its output in a log file.
 */
final class VerifierProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private VerifierProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static VerifierProcess start(String name, Map<String, String> properties) {
    Path app = Path.of(System.getProperty("rotor.test.app", "target/quarkus-app/quarkus-run.jar"));
    if (!Files.isRegularFile(app)) {
      throw new IllegalStateException(app + " does not exist: the *IT tests run after `package`");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"));
    command.add("-Dquarkus.http.host=127.0.0.1");
    command.add("-Dquarkus.http.port=0");
    command.add("-Dquarkus.console.color=false");
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(app.toAbsolutePath().toString());
    try {
      Path directory =
          Files.createDirectories(
              Path.of(System.getProperty("rotor.test.tmpdir", "target"), "verifier-it"));
      Path log = directory.resolve(name + ".log");
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      return new VerifierProcess(process, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until it logged that it started; fails with its log if it exited. */
  VerifierProcess awaitStarted(Duration timeout) {
    await("verifier started")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .failFast(
            "the verifier exited",
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("the verifier exited:\n" + logText());
              }
            })
        .until(() -> logText().contains("Listening on:"));
    return this;
  }

  /** Waits until it exited by itself; its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the verifier still runs after " + timeout + ":\n" + logText());
    }
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, no graceful stop, like a node that dies. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

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
  }
}
