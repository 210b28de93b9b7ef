package dev.rotor.cli.ledger;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Signs C2SP signed notes as the ledger does: Ed25519 over the text, key id = SHA-256 prefix; for
 * the checkpoint tests and the fake ledgers of the command tests.
 */
public final class NoteSigner {
  private final String name;
  private final KeyPair keys;
  private final byte[] raw;

  public NoteSigner(String name) throws Exception {
    this.name = name;
    this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] encoded = keys.getPublic().getEncoded();
    this.raw = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
  }

  byte[] keyId() throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(name.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    sha.update((byte) 1);
    sha.update(raw);
    return Arrays.copyOf(sha.digest(), 4);
  }

  public String verifierKey() {
    try {
      byte[] typed = new byte[33];
      typed[0] = 1;
      System.arraycopy(raw, 0, typed, 1, 32);
      return name
          + "+"
          + HexFormat.of().formatHex(keyId())
          + "+"
          + Base64.getEncoder().encodeToString(typed);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String sign(String text) {
    try {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initSign(keys.getPrivate());
      ed25519.update(text.getBytes(StandardCharsets.UTF_8));
      byte[] signature = ed25519.sign();
      byte[] line = new byte[68];
      System.arraycopy(keyId(), 0, line, 0, 4);
      System.arraycopy(signature, 0, line, 4, 64);
      return text + "\n\u2014 " + name + " " + Base64.getEncoder().encodeToString(line) + "\n";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
