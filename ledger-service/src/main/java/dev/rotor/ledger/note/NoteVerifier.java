package dev.rotor.ledger.note;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * An Ed25519 verifier of signed notes, known by its verifier key: {@code <name>+<key id, 8
 * hex>+<base64(0x01 || 32-byte public key)>}, the encoding the C2SP signed-note ecosystem (Go's
 * {@code golang.org/x/mod/sumdb/note}) uses. The key id is the first 4 bytes of {@code SHA-256(name
 * || 0x0A || 0x01 || public key)}.
 */
public final class NoteVerifier {
  /** The signature type byte of Ed25519 in the signed-note spec. */
  public static final byte ED25519 = 0x01;

  private final String name;
  private final int keyId;
  private final byte[] publicKey;
  private final PublicKey jdkKey;

  NoteVerifier(String name, byte[] publicKey) {
    SignedNote.requireKeyName(name);
    this.name = name;
    this.publicKey = publicKey.clone();
    this.jdkKey = Ed25519Keys.publicKey(publicKey);
    this.keyId = keyId(name, publicKey);
  }

  /**
   * The verifier of a verifier key.
   *
   * @throws NoteException when the key is malformed, of another algorithm, or its id does not match
   */
  public static NoteVerifier parse(String verifierKey) {
    if (verifierKey == null) {
      throw new NoteException("verifier key: is required");
    }
    String[] parts = verifierKey.trim().split("\\+", 3);
    if (parts.length != 3 || !parts[1].matches("[0-9a-f]{8}")) {
      throw new NoteException("verifier key: expected <name>+<8 hex key id>+<base64 key>");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new NoteException("verifier key: the key is not base64");
    }
    if (key.length != 1 + Ed25519Keys.KEY_SIZE || key[0] != ED25519) {
      throw new NoteException("verifier key: not an Ed25519 key (type 0x01, 32 bytes)");
    }
    NoteVerifier verifier = new NoteVerifier(parts[0], Arrays.copyOfRange(key, 1, key.length));
    if (verifier.keyId != Integer.parseUnsignedInt(parts[1], 16)) {
      throw new NoteException("verifier key: the key id does not match the name and key");
    }
    return verifier;
  }

  /** The signed-note key id of an Ed25519 key. */
  public static int keyId(String name, byte[] publicKey) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
    digest.update(name.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) '\n');
    digest.update(ED25519);
    digest.update(publicKey);
    byte[] hash = digest.digest();
    return ((hash[0] & 0xff) << 24)
        | ((hash[1] & 0xff) << 16)
        | ((hash[2] & 0xff) << 8)
        | (hash[3] & 0xff);
  }

  public String name() {
    return name;
  }

  public int keyId() {
    return keyId;
  }

  /** The key id as 8 lowercase hex digits. */
  public String keyIdHex() {
    return HexFormat.of().toHexDigits(keyId);
  }

  /** The raw 32-byte public key. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The verifier key text, to hand to whoever keeps a copy of the log's checkpoints. */
  public String verifierKey() {
    byte[] typed = new byte[1 + publicKey.length];
    typed[0] = ED25519;
    System.arraycopy(publicKey, 0, typed, 1, publicKey.length);
    return name + "+" + keyIdHex() + "+" + Base64.getEncoder().encodeToString(typed);
  }

  /** Whether this key made {@code signature} (same name and id, and it verifies). */
  public boolean verifies(String text, SignedNote.Signature signature) {
    if (!signedBy(signature)) {
      return false;
    }
    try {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initVerify(jdkKey);
      ed25519.update(text.getBytes(StandardCharsets.UTF_8));
      return ed25519.verify(signature.signature());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Whether the signature line names this key (name and id); it may still fail to verify. */
  public boolean signedBy(SignedNote.Signature signature) {
    return signature.keyName().equals(name) && signature.keyId() == keyId;
  }

  /**
   * Opens a note as the signed-note spec asks a client to: signatures by unknown keys are ignored,
   * a signature by a known key that fails rejects the note, and at least one known key must have
   * signed it.
   *
   * @return the verified text
   * @throws NoteException when the note is malformed or not verified
   */
  public static String open(String note, List<NoteVerifier> known) {
    SignedNote parsed = SignedNote.parse(note);
    boolean verified = false;
    for (SignedNote.Signature signature : parsed.signatures()) {
      for (NoteVerifier verifier : known) {
        if (verifier.signedBy(signature)) {
          if (!verifier.verifies(parsed.text(), signature)) {
            throw new NoteException("note: the signature of " + verifier.name() + " is invalid");
          }
          verified = true;
        }
      }
    }
    if (!verified) {
      throw new NoteException("note: not signed by a known key");
    }
    return parsed.text();
  }
}
