package dev.rotor.devstack.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

/**
 * How a component the devstack starts says that it serves and where: a small JSON file, written
 * atomically once everything is up, read by the devstack.
 */
public final class ReadyFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReadyFile() {}

  public static void write(Path file, Map<String, Object> content) {
    try {
      Files.createDirectories(file.getParent());
      Path temporary = Files.createTempFile(file.getParent(), ".ready-", ".json");
      JSON.writeValue(temporary.toFile(), content);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The content, once the file exists. */
  public static Optional<JsonNode> read(Path file) {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readTree(file.toFile()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
