package dev.rotor.cli.ledger;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A ledger checkpoint in the C2SP signed-note format, checked on the client: the body ({@code
 * origin}, tree size, base64 root, extension lines), then a blank line and one {@code — <key name>
 * <base64(key id || Ed25519 signature)>} line per signature. A note verifies when a signature by
 * the given verifier key ({@code <name>+<8 hex key id>+<base64(0x01 || public key)>}) is valid.
 */
public record SignedCheckpoint(
    String origin, long treeSize, byte[] rootHash, String text, String note) {

  private static final String DASH = "\u2014 ";

  /**
   * Parses a signed note's checkpoint body.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static SignedCheckpoint parse(String note) {
    if (note == null) {
      throw new IllegalArgumentException("the checkpoint is empty");
    }
    int split = note.lastIndexOf("\n\n");
    if (split < 0) {
      throw new IllegalArgumentException("not a signed note: no blank line before the signatures");
    }
    String text = note.substring(0, split + 1);
    String[] lines = text.split("\n", -1);
    if (lines.length < 4) {
      throw new IllegalArgumentException("not a checkpoint: expected origin, size and root lines");
    }
    long size;
    try {
      size = Long.parseLong(lines[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a checkpoint: the second line is not a tree size");
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a checkpoint: the third line is not base64");
    }
    if (root.length != 32 || size < 0) {
      throw new IllegalArgumentException("not a checkpoint: the root hash is not 32 bytes");
    }
    return new SignedCheckpoint(lines[0], size, root, text, note);
  }

  /** The signatures' key names, as the note lists them. */
  public List<String> signers() {
    List<String> names = new ArrayList<>();
    for (String line : note.substring(text.length() + 1).split("\n")) {
      if (line.startsWith(DASH)) {
        String[] parts = line.substring(DASH.length()).split(" ");
        if (parts.length == 2) {
          names.add(parts[0]);
        }
      }
    }
    return names;
  }

  /**
   * Whether the key {@code verifierKey} signed this note.
   *
   * @throws IllegalArgumentException when the verifier key is malformed
   */
  public boolean signedBy(String verifierKey) {
    String[] key = verifierKey.trim().split("\\+", 3);
    if (key.length != 3 || !key[1].matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException(
          "verifier key: expected <name>+<8 hex key id>+<base64 key>");
    }
    byte[] typed;
    try {
      typed = Base64.getDecoder().decode(key[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("verifier key: the key is not base64");
    }
    if (typed.length != 33 || typed[0] != 0x01) {
      throw new IllegalArgumentException("verifier key: not an Ed25519 key");
    }
    byte[] raw = Arrays.copyOfRange(typed, 1, 33);
    byte[] id = keyId(key[0], raw);
    if (!HexFormat.of().formatHex(id).equals(key[1])) {
      throw new IllegalArgumentException(
          "verifier key: the key id does not match its name and key");
    }
    for (String line : note.substring(text.length() + 1).split("\n")) {
      if (!line.startsWith(DASH)) {
        continue;
      }
      String[] parts = line.substring(DASH.length()).split(" ");
      if (parts.length != 2 || !parts[0].equals(key[0])) {
        continue;
      }
      byte[] signature;
      try {
        signature = Base64.getDecoder().decode(parts[1]);
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (signature.length != 68 || !Arrays.equals(Arrays.copyOf(signature, 4), id)) {
        continue;
      }
      if (verifyEd25519(
          raw, text.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(signature, 4, 68))) {
        return true;
      }
    }
    return false;
  }

  /** The root hash in base64. */
  public String rootBase64() {
    return Base64.getEncoder().encodeToString(rootHash);
  }

  private static byte[] keyId(String name, byte[] publicKey) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update((byte) 0x01);
      sha.update(publicKey);
      return Arrays.copyOf(sha.digest(), 4);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  private static boolean verifyEd25519(byte[] rawKey, byte[] message, byte[] signature) {
    try {
      // X.509 SubjectPublicKeyInfo for Ed25519: a fixed 12-byte prefix, then the raw key.
      byte[] prefix = HexFormat.of().parseHex("302a300506032b6570032100");
      byte[] encoded = new byte[prefix.length + rawKey.length];
      System.arraycopy(prefix, 0, encoded, 0, prefix.length);
      System.arraycopy(rawKey, 0, encoded, prefix.length, rawKey.length);
      PublicKey key =
          KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initVerify(key);
      ed25519.update(message);
      return ed25519.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
