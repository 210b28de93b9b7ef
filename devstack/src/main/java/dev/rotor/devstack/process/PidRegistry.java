package dev.rotor.devstack.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every process the devstack started, one line each in {@code .devstack/run/processes} ({@code
 * <pid> <start time in ms> <name>}), so that a devstack that was killed before it could stop its
 * processes is cleaned up by the next one. A pid counts as ours only while the process with that
 * pid started at the recorded time: a recycled pid is left alone.
 */
public final class PidRegistry {
  private final Path file;

  public PidRegistry(Path file) {
    this.file = file;
  }

  /** Records a process. */
  public synchronized void record(String name, ProcessHandle handle) {
    long started = handle.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    String line = handle.pid() + " " + started + " " + name + "\n";
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** A process recorded earlier that still runs. */
  public record Recorded(String name, ProcessHandle handle) {}

  /** The recorded processes that still run (the same pid and start time). */
  public synchronized List<Recorded> running() {
    List<Recorded> running = new ArrayList<>();
    if (!Files.exists(file)) {
      return running;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    for (String line : lines) {
      String[] parts = line.split(" ", 3);
      if (parts.length != 3) {
        continue;
      }
      long pid;
      long started;
      try {
        pid = Long.parseLong(parts[0]);
        started = Long.parseLong(parts[1]);
      } catch (NumberFormatException e) {
        continue;
      }
      Optional<ProcessHandle> handle = ProcessHandle.of(pid);
      if (handle.isPresent() && handle.get().isAlive()) {
        long actual = handle.get().info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
        if (started == 0 || actual == started) {
          running.add(new Recorded(parts[2], handle.get()));
        }
      }
    }
    return running;
  }

  /** Forgets every process (after they were stopped). */
  public synchronized void clear() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }
}
