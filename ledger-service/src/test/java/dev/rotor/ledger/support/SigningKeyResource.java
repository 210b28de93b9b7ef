package dev.rotor.ledger.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh Ed25519 checkpoint signing key for the application under test, written as a PKCS#8 PEM
 * file readable by its owner only (what {@code openssl genpkey -algorithm ed25519} gives), and the
 * log's origin. No private key is kept in the repository.
 */
public class SigningKeyResource implements QuarkusTestResourceLifecycleManager {
  public static final String ORIGIN = "rotor.test/ledger";
  public static final String KEY_FILE = "rotor.ledger.checkpoint.signing-key-file";

  private Path file;

  @Override
  public Map<String, String> start() {
    file = writeNewKey(directory());
    return Map.of(KEY_FILE, file.toString(), "rotor.ledger.origin", ORIGIN);
  }

  /** Writes a new PKCS#8 PEM Ed25519 key into {@code directory} and returns its path. */
  public static Path writeNewKey(Path directory) {
    try {
      byte[] pkcs8 =
          KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate().getEncoded();
      Files.createDirectories(directory);
      Path key = directory.resolve("ledger-" + UUID.randomUUID() + ".pem");
      Files.createFile(
          key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(key, pem(pkcs8), StandardCharsets.US_ASCII);
      return key;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no Ed25519 in this JDK", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String pem(byte[] der) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END PRIVATE KEY-----\n";
  }

  static Path directory() {
    return Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "ledger-test-keys")
        .toAbsolutePath();
  }

  @Override
  public void stop() {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // target/ is cleaned by the next build
      }
    }
  }
}
