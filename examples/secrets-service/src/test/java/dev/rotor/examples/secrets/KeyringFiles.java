package dev.rotor.examples.secrets;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.keyring.KeyringLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Writes a keyring directory exactly as Kubernetes mounts the Secret (docs/keyring.md). */
public final class KeyringFiles {
  private KeyringFiles() {}

  /** {@code keyring.primary} names {@code primary}; one {@code keyring.key.<id>} file per key. */
  public static Path write(Path directory, GeneratedKey primary, GeneratedKey... decryptOnly) {
    try {
      Files.createDirectories(directory);
      Files.writeString(
          directory.resolve(KeyringLayout.PRIMARY_DATA_KEY),
          primary.keyId(),
          StandardCharsets.US_ASCII);
      writeKey(directory, primary);
      for (GeneratedKey key : decryptOnly) {
        writeKey(directory, key);
      }
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeKey(Path directory, GeneratedKey key) throws IOException {
    byte[] raw = key.copyRaw();
    try {
      Files.write(directory.resolve(KeyringLayout.dataKeyOf(key.keyId())), raw);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }
}
