package dev.rotor.devstack.scenario;

import dev.rotor.devstack.DevstackException;
import dev.rotor.devstack.process.Jvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged rotorctl against the devstack, as a person would: captured (the output is the
 * result) or on the devstack's terminal (the watch view).
 */
public final class RotorctlRunner {
  private final Path jar;
  private final Map<String, String> environment;
  private final Path log;
  private final java.util.function.BiConsumer<String, Process> started;

  /** What one run printed and returned. */
  public record Result(int exitCode, String out, String err) {}

  /**
   * @param started told of every rotorctl process, so that the devstack stops it with the rest
   */
  public RotorctlRunner(
      Path jar,
      Map<String, String> environment,
      Path log,
      java.util.function.BiConsumer<String, Process> started) {
    this.jar = jar;
    this.environment = environment;
    this.log = log;
    this.started = started;
  }

  /** Runs and captures; the command and its output also go to the rotorctl log. */
  public Result run(Duration timeout, String... args) {
    ProcessBuilder builder = builder(args);
    try {
      Path out = Files.createTempFile(log.getParent(), "rotorctl-", ".out");
      Path err = Files.createTempFile(log.getParent(), "rotorctl-", ".err");
      builder.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process process = builder.start();
      started.accept("rotorctl " + args[0], process);
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new DevstackException(
            "ROTOR-8006", "rotorctl " + String.join(" ", args) + " did not finish in " + timeout);
      }
      Result result =
          new Result(
              process.exitValue(),
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8));
      Files.delete(out);
      Files.delete(err);
      record(args, result);
      return result;
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8005", "cannot run rotorctl: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevstackException("ROTOR-8009", "interrupted");
    }
  }

  /** Starts rotorctl on the devstack's own terminal (its output goes where the devstack's goes). */
  public Process startOnTerminal(String... args) {
    ProcessBuilder builder = builder(args).inheritIO();
    try {
      append("$ rotorctl " + String.join(" ", args) + "   (on the terminal)\n");
      Process process = builder.start();
      started.accept("rotorctl " + args[0], process);
      return process;
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8005", "cannot run rotorctl: " + e.getMessage(), e);
    }
  }

  private ProcessBuilder builder(String... args) {
    List<String> command = new ArrayList<>(Jvm.jar("128m", Map.of(), jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    return builder;
  }

  private void record(String[] args, Result result) {
    append(
        "$ rotorctl "
            + String.join(" ", args)
            + "\n"
            + result.out()
            + result.err()
            + "(exit "
            + result.exitCode()
            + ")\n\n");
  }

  private synchronized void append(String text) {
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // The log is a convenience; the scenario goes on.
    }
  }
}
