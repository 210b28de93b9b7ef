package dev.rotor.devstack.process;

import dev.rotor.devstack.DevstackException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One process the devstack started: its name, its log file (stdout and stderr together), and a stop
 * that ends it and every process it started (SIGTERM, then SIGKILL after a grace period).
 */
public final class ManagedProcess {
  private final String name;
  private final Process process;
  private final Path log;
  private final Instant startedAt;
  private final List<ProcessHandle> adopted = new ArrayList<>();

  private ManagedProcess(String name, Process process, Path log, Instant startedAt) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startedAt = startedAt;
  }

  /**
   * Starts {@code command} with its output appended to {@code log}.
   *
   * @param environment variables added to (or, with a null value, removed from) the devstack's own
   */
  public static ManagedProcess start(
      String name,
      List<String> command,
      Map<String, String> environment,
      Path workingDirectory,
      Path log) {
    try {
      Files.createDirectories(log.getParent());
      Files.createDirectories(workingDirectory);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(workingDirectory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.PIPE);
      environment.forEach(
          (key, value) -> {
            if (value == null) {
              builder.environment().remove(key);
            } else {
              builder.environment().put(key, value);
            }
          });
      Process process = builder.start();
      return new ManagedProcess(name, process, log, Instant.now());
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8005", "cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** A process something else started, to be stopped with the rest. */
  public static ManagedProcess of(String name, Process process, Path log) {
    return new ManagedProcess(name, process, log, Instant.now());
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public boolean alive() {
    return process.isAlive();
  }

  public Process process() {
    return process;
  }

  /**
   * Takes a process this one started but that left its tree (a daemon such as PostgreSQL's
   * postmaster, started through {@code pg_ctl}) into the stop.
   */
  public synchronized void adopt(ProcessHandle handle) {
    adopted.add(handle);
  }

  /** Every process to stop with this one: its descendants and what it adopted. */
  public synchronized List<ProcessHandle> tree() {
    List<ProcessHandle> tree = new ArrayList<>(adopted);
    process.descendants().forEach(tree::add);
    return tree;
  }

  /** The exit code, once it has exited. */
  public int exitCode() {
    return process.exitValue();
  }

  /** The last {@code lines} lines of its log. */
  public String logTail(int lines) {
    try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
      List<String> list = all.toList();
      return String.join("\n", list.subList(Math.max(0, list.size() - lines), list.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log at " + log + ")";
    }
  }

  /** Whether its log holds {@code text} already. */
  public boolean logContains(String text) {
    try {
      return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  /**
   * Sends SIGTERM to the process (and what it adopted); after {@code grace}, SIGKILL to whatever of
   * its tree is left. Returns when all of it is gone (or after a bounded wait).
   */
  public void stop(Duration grace) {
    List<ProcessHandle> tree = tree();
    if (process.isAlive()) {
      process.destroy();
    }
    adoptedAlive().forEach(ProcessHandle::destroy);
    waitFor(grace);
    for (ProcessHandle handle : tree) {
      if (handle.isAlive()) {
        handle.destroy();
      }
    }
    waitForAll(tree, Duration.ofSeconds(2));
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    waitFor(Duration.ofSeconds(5));
    waitForAll(tree, Duration.ofSeconds(5));
  }

  private synchronized List<ProcessHandle> adoptedAlive() {
    return adopted.stream().filter(ProcessHandle::isAlive).toList();
  }

  private void waitFor(Duration timeout) {
    try {
      process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ProcessHandle handle : adoptedAlive()) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        try {
          handle.onExit().get(left, TimeUnit.NANOSECONDS);
        } catch (Exception e) {
          // Still alive: the forcible stop follows.
        }
      }
    }
  }

  private static void waitForAll(List<ProcessHandle> handles, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ProcessHandle handle : handles) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        handle.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        // Bounded wait; the caller forces what is left.
      }
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
