package dev.rotor.examples.secrets;

import dev.rotor.common.crypto.GeneratedKey;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a fresh keyring for the test application, as a mounted Secret would look: a primary key
 * and one decrypt-only key, new for every start, under {@code <build dir>/test-keyring}. Tests read
 * the keys back from there with {@link TestKeyring}. Turns the fault switch's admin endpoint on.
 */
public class TestKeyringResource implements QuarkusTestResourceLifecycleManager {

  @Override
  public Map<String, String> start() {
    Path directory = TestKeyring.directory();
    deleteRecursively(directory);
    try (GeneratedKey primary = GeneratedKey.generate();
        GeneratedKey decryptOnly = GeneratedKey.generate()) {
      KeyringFiles.write(directory, primary, decryptOnly);
    }
    return Map.of(
        "secrets-service.keyring.dir",
        directory.toString(),
        "secrets-service.fault.admin-enabled",
        "true");
  }

  @Override
  public void stop() {
    deleteRecursively(TestKeyring.directory());
  }

  static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
