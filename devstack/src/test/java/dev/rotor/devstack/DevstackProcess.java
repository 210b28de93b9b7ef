package dev.rotor.devstack;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The packaged devstack run as {@code ./rotor} runs it ({@code java -jar rotor-devstack.jar demo
 * ...}), in a folder of its own under the build output and on ports of its own, with its output
 * captured line by line.
 */
final class DevstackProcess implements AutoCloseable {
  static final Path ROOT =
      Path.of(System.getProperty("rotor.test.root", "..")).toAbsolutePath().normalize();
  static final Path JAR =
      Path.of(System.getProperty("rotor.test.devstack-jar", "target/rotor-devstack.jar"));

  final Path home;
  final Process process;
  final List<String> lines = new CopyOnWriteArrayList<>();

  private DevstackProcess(Path home, Process process) {
    this.home = home;
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                  System.out.println("[devstack] " + line);
                }
              } catch (IOException e) {
                // The process ended.
              }
            },
            "devstack-output");
    reader.setDaemon(true);
    reader.start();
  }

  static DevstackProcess start(String name, int portOffset, String... args) throws IOException {
    return run("demo", name, portOffset, args);
  }

  /** {@code java -jar rotor-devstack.jar <command> --port-offset <n> <args>}. */
  static DevstackProcess run(String command, String name, int portOffset, String... args)
      throws IOException {
    return launch(command, name, portOffset, args);
  }

  private static DevstackProcess launch(
      String subcommand, String name, int portOffset, String... args) throws IOException {
    Path home =
        Path.of(System.getProperty("rotor.test.tmpdir", "target")).toAbsolutePath().resolve(name);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Drotor.root=" + ROOT);
    command.add("-Drotor.target=" + System.getProperty("rotor.test.services-target", "target"));
    command.add("-Drotor.devstack.home=" + home);
    command.add("-jar");
    command.add(JAR.toAbsolutePath().toString());
    command.add(subcommand);
    command.add("--port-offset");
    command.add(String.valueOf(portOffset));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("ROTOR_KAFKA");
    builder.environment().remove("ROTOR_LEDGER_URL");
    return new DevstackProcess(home, builder.start());
  }

  void awaitLine(String fragment, Duration timeout) {
    await("devstack output containing '" + fragment + "'")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .failFast(
            "the devstack exited",
            () -> !process.isAlive() && lines.stream().noneMatch(l -> l.contains(fragment)))
        .until(() -> lines.stream().anyMatch(l -> l.contains(fragment)));
  }

  String output() {
    return String.join("\n", lines);
  }

  Path home() {
    return home;
  }

  boolean ignoresSigint() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring(7).strip(), 16) & 0x2) != 0;
      }
    }
    return false;
  }

  void signal(String signal) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid()))
        .inheritIO()
        .start()
        .waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      List<ProcessHandle> tree = process.descendants().toList();
      process.destroy();
      try {
        process.waitFor(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      tree.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
