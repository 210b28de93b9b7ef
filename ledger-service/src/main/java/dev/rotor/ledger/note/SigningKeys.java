package dev.rotor.ledger.note;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Reads the checkpoint signing key: an Ed25519 private key as a PKCS#8 PEM file ({@code -----BEGIN
 * PRIVATE KEY-----}), what {@code openssl genpkey -algorithm ed25519} writes. Error messages say
 * what is wrong with the file, never what it holds.
 */
public final class SigningKeys {
  private static final long MAX_FILE_BYTES = 16 * 1024;

  private SigningKeys() {}

  /**
   * The signer for the key in {@code pemFile}, named {@code keyName}.
   *
   * @throws NoteException naming the problem (missing, unreadable, not PEM, encrypted, not Ed25519)
   */
  public static NoteSigner load(Path pemFile, String keyName) {
    byte[] content;
    try {
      if (Files.size(pemFile) > MAX_FILE_BYTES) {
        throw new NoteException("the file is larger than a PEM private key can be");
      }
      content = Files.readAllBytes(pemFile);
    } catch (NoSuchFileException e) {
      throw new NoteException("the file " + pemFile + " does not exist");
    } catch (IOException e) {
      throw new NoteException("the file " + pemFile + " cannot be read (" + e.getClass() + ")");
    }
    try {
      return new NoteSigner(keyName, parse(content));
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /** The private key of a PKCS#8 PEM text. */
  static PrivateKey parse(byte[] pem) {
    PemObject object;
    try (Reader reader = new StringReader(new String(pem, StandardCharsets.US_ASCII));
        PemReader pemReader = new PemReader(reader)) {
      object = pemReader.readPemObject();
    } catch (IOException | RuntimeException e) {
      throw new NoteException("the file is not a PEM file");
    }
    if (object == null) {
      throw new NoteException("the file holds no PEM block (expected BEGIN PRIVATE KEY)");
    }
    if (object.getType().equals("ENCRYPTED PRIVATE KEY")) {
      throw new NoteException(
          "the key is encrypted; give an unencrypted PKCS#8 key (openssl pkey -in ... -out ...)"
              + " and protect the file instead");
    }
    if (!object.getType().equals("PRIVATE KEY")) {
      throw new NoteException(
          "the PEM block is " + object.getType() + ", expected PRIVATE KEY (PKCS#8)");
    }
    byte[] der = object.getContent();
    try {
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new NoteException("the PKCS#8 key is not an Ed25519 private key");
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }
}
