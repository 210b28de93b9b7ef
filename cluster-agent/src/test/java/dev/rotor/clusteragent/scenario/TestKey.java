package dev.rotor.clusteragent.scenario;

import dev.rotor.common.crypto.GeneratedKey;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A keyring key for a test, with the forms it must never appear in outside the Secret and the
 * manifest: its base64 text and its raw bytes in hex. Every key made is remembered for the leak
 * checks.
 */
public record TestKey(String base64, String hex, byte[] raw, String keyId, String fingerprint) {

  private static final List<TestKey> MADE = new CopyOnWriteArrayList<>();

  public static TestKey generate() {
    try (GeneratedKey key = GeneratedKey.generate()) {
      byte[] raw = key.copyRaw();
      TestKey made =
          new TestKey(
              key.revealBase64(),
              HexFormat.of().formatHex(raw),
              raw,
              key.keyId(),
              key.fingerprint());
      MADE.add(made);
      return made;
    }
  }

  /** Every key the tests of this JVM made. */
  public static List<TestKey> made() {
    return List.copyOf(MADE);
  }

  @Override
  public String toString() {
    return "TestKey[" + keyId + "]";
  }
}
