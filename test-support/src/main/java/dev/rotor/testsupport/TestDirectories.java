package dev.rotor.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where the test infrastructure keeps its files: under the system property {@code
 * rotor.test.tmpdir} if set, else under {@code target/} of the working directory (the module's
 * directory under Surefire). Every test JVM works in its own directory, named after its process id,
 * so that the directories that a killed JVM left behind can be told apart and removed.
 */
final class TestDirectories {

  static final String BASE_PROPERTY = "rotor.test.tmpdir";

  private TestDirectories() {}

  /** The base directory for component {@code component}, e.g. {@code target/postgres}. */
  static Path componentDirectory(String component) {
    Path base = Paths.get(System.getProperty(BASE_PROPERTY, "target")).toAbsolutePath();
    Path directory = base.resolve(component);
    try {
      return Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the directory " + directory, e);
    }
  }

  /**
   * A new, not yet existing directory for this JVM under {@code componentDirectory(component)},
   * named {@code <prefix>-<pid>-<random>}. Directories with the same prefix that belong to JVMs no
   * longer running are deleted first.
   */
  static Path newJvmDirectory(String component, String prefix) {
    Path parent = componentDirectory(component);
    deleteDirectoriesOfDeadJvms(parent, prefix);
    return parent.resolve(
        prefix
            + "-"
            + ProcessHandle.current().pid()
            + "-"
            + UUID.randomUUID().toString().substring(0, 8));
  }

  /** Deletes a directory tree; a missing directory is fine. */
  static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(TestDirectories::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + directory, e);
    }
  }

  private static void deleteDirectoriesOfDeadJvms(Path parent, String prefix) {
    try (Stream<Path> children = Files.list(parent)) {
      children
          .filter(Files::isDirectory)
          .filter(child -> isLeftByDeadJvm(child.getFileName().toString(), prefix))
          .forEach(TestDirectories::deleteRecursively);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + parent, e);
    }
  }

  private static boolean isLeftByDeadJvm(String name, String prefix) {
    String[] parts = name.split("-");
    if (parts.length != 3 || !parts[0].equals(prefix)) {
      return false;
    }
    long pid;
    try {
      pid = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return false;
    }
    return !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // A file that cannot be removed stays; the next build's clean removes it.
    }
  }
}
