package dev.rotor.examples.secrets;

import dev.rotor.common.keyring.Keyring;
import dev.rotor.common.keyring.KeyringLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** The keyring {@link TestKeyringResource} wrote for the running test application. */
public final class TestKeyring {
  private TestKeyring() {}

  public static Path directory() {
    return Path.of(System.getProperty("rotor.test.tmpdir", "target")).resolve("test-keyring");
  }

  /** The same keyring the application reads. The caller closes it. */
  public static Keyring open() {
    return Keyring.fromDirectory(directory());
  }

  /** Every key of the ring, raw. */
  public static List<byte[]> rawKeys() {
    List<byte[]> keys = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory())) {
      for (Path file : files.toList()) {
        if (KeyringLayout.keyIdOfDataKey(file.getFileName().toString()).isPresent()) {
          keys.add(Files.readAllBytes(file));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return keys;
  }

  /**
   * The forms in which a key could leak into text: its base64 (and a long prefix of it) and its hex
   * (lowercase and uppercase, and a long prefix).
   */
  public static List<String> leakForms(byte[] raw) {
    String base64 = Base64.getEncoder().encodeToString(raw);
    String hex = HexFormat.of().formatHex(raw);
    return List.of(
        base64,
        base64.substring(0, 24),
        Base64.getUrlEncoder().withoutPadding().encodeToString(raw).substring(0, 24),
        hex,
        hex.substring(0, 32),
        hex.toUpperCase().substring(0, 32));
  }
}
