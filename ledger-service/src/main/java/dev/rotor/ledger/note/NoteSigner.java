package dev.rotor.ledger.note;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.List;

/**
 * Signs notes with an Ed25519 private key (the JDK's implementation, RFC 8032, deterministic). The
 * private key never leaves this object: no accessor returns it and {@link #toString()} names only
 * the public verifier key.
 */
public final class NoteSigner {
  private final PrivateKey privateKey;
  private final NoteVerifier verifier;

  public NoteSigner(String name, PrivateKey privateKey) {
    this.privateKey = privateKey;
    this.verifier = new NoteVerifier(name, Ed25519Keys.publicKeyOf(privateKey));
  }

  /** The verifier of this signer's signatures. */
  public NoteVerifier verifier() {
    return verifier;
  }

  /** The note {@code text} signed by this key. */
  public SignedNote sign(String text) {
    SignedNote unsigned = new SignedNote(text, List.of());
    byte[] signature;
    try {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initSign(privateKey);
      ed25519.update(unsigned.text().getBytes(StandardCharsets.UTF_8));
      signature = ed25519.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
    return new SignedNote(
        text, List.of(new SignedNote.Signature(verifier.name(), verifier.keyId(), signature)));
  }

  @Override
  public String toString() {
    return "NoteSigner[" + verifier.verifierKey() + "]";
  }
}
