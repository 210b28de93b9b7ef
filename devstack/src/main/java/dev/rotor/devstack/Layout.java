package dev.rotor.devstack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where things are: the repository ({@code root}), the build output folder of each module ({@code
 * target}, or another name given with {@code -Drotor.target}), and the devstack's own folder
 * ({@code home}, {@code .devstack/} unless {@code -Drotor.devstack.home} says otherwise) with
 * {@code logs/}, {@code run/} (process records, ready files) and each component's data.
 */
public record Layout(Path root, String buildDirectory, Path home) {

  /** The layout of the repository at {@code root}, with the devstack's folder in it. */
  public Layout(Path root, String buildDirectory) {
    this(root, buildDirectory, root.resolve(".devstack"));
  }

  public Path logs() {
    return home().resolve("logs");
  }

  public Path log(String name) {
    return logs().resolve(name + ".log");
  }

  public Path run() {
    return home().resolve("run");
  }

  /** A component's data folder, e.g. {@code .devstack/kafka}. */
  public Path data(String component) {
    return home().resolve(component);
  }

  /** The ready file a component of the devstack writes when it serves. */
  public Path readyFile(String component) {
    return run().resolve(component + ".ready.json");
  }

  /**
   * Removes what a previous run left in {@code home} (its processes were stopped), except the
   * download cache ({@code cache/}) and {@code keep}, and creates {@code logs/} and {@code run/}.
   */
  public void clean(Path... keep) {
    Path cache = data("cache");
    List<Path> kept = List.of(keep);
    if (Files.exists(home)) {
      try (Stream<Path> paths = Files.walk(home)) {
        paths
            .filter(p -> !p.startsWith(cache) && !kept.contains(p))
            .sorted(Comparator.reverseOrder())
            .forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot clean " + home, e);
      }
    }
    try {
      Files.createDirectories(logs());
      Files.createDirectories(run());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + home, e);
    }
  }

  /** The packaged Quarkus application of {@code module}. */
  public Path quarkusApp(String module) {
    return root.resolve(module).resolve(buildDirectory).resolve("quarkus-app/quarkus-run.jar");
  }

  /** The packaged rotorctl. */
  public Path rotorctl() {
    return quarkusApp("cli");
  }

  /** The example workload every simulated pod runs. */
  public Path secretsService() {
    return quarkusApp("examples/secrets-service");
  }

  /** The example GitOps repository the Git server is seeded with. */
  public Path gitopsExample() {
    return root.resolve("deploy/gitops-example");
  }

  /** The example policy the devstack's policy is made from. */
  public Path examplePolicy() {
    return root.resolve("deploy/policy/rotor-policy.yaml");
  }

  /** The java executable of this JVM, for every JVM the devstack starts. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** This JVM's class path, made absolute, for the devstack's own child JVMs. */
  public static String classPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        entries.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /** Finds the repository root: the nearest folder up from {@code start} with mvnw and cli/. */
  public static Path findRoot(Path start) {
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("devstack"))) {
        return dir;
      }
    }
    throw new DevstackException(
        "ROTOR-8004", "cannot find the Rotor repository above " + start + "; run ./rotor from it");
  }
}
