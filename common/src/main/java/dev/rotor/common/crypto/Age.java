package dev.rotor.common.crypto;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.UnsupportedRecipientStanzaException;
import com.exceptionfactory.jagged.framework.armor.ArmoredDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.armor.ArmoredEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * age v1 (<a href="https://age-encryption.org/v1">age-encryption.org/v1</a>) encryption to X25519
 * recipients, ASCII-armored as {@code age -a} writes it, so a sealed value fits in a JSON event and
 * opens with {@code age -d -i <identity file>}.
 *
 * <p>Built on jagged (age format on the JDK's X25519, ChaCha20-Poly1305 and HKDF). A file can have
 * several recipients; any one of their identities opens it.
 */
public final class Age {
  /** First line of an armored age file. */
  public static final String ARMOR_HEADER = "-----BEGIN AGE ENCRYPTED FILE-----";

  /** Last line of an armored age file. */
  public static final String ARMOR_FOOTER = "-----END AGE ENCRYPTED FILE-----";

  private static final int READ_CHUNK = 4096;

  private Age() {}

  /**
   * Encrypts to every recipient (duplicates are written once) and returns the armored file.
   *
   * @throws CryptoException when no recipient is given
   */
  public static String encrypt(byte[] plaintext, Collection<AgeRecipient> recipients) {
    if (plaintext == null) {
      throw new IllegalArgumentException("plaintext: is required");
    }
    Set<AgeRecipient> unique = new LinkedHashSet<>(recipients == null ? List.of() : recipients);
    unique.remove(null);
    if (unique.isEmpty()) {
      throw new CryptoException(
          CryptoException.Reason.INVALID_RECIPIENT, "age: at least one recipient is required");
    }
    List<RecipientStanzaWriter> writers = new ArrayList<>(unique.size());
    try {
      for (AgeRecipient recipient : unique) {
        writers.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(recipient.value()));
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(256 + plaintext.length * 2);
      try (WritableByteChannel channel =
          new ArmoredEncryptingChannelFactory()
              .newEncryptingChannel(Channels.newChannel(out), writers)) {
        ByteBuffer source = ByteBuffer.wrap(plaintext);
        while (source.hasRemaining()) {
          channel.write(source);
        }
      }
      return out.toString(StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException | IOException e) {
      throw new CryptoException(
          CryptoException.Reason.UNAVAILABLE_ALGORITHM,
          "age: encryption failed (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
          e);
    }
  }

  /** Decrypts an armored file with one identity. */
  public static byte[] decrypt(CharSequence armored, AgeIdentity identity) {
    return decrypt(armored, identity == null ? List.of() : List.of(identity));
  }

  /**
   * Decrypts an armored age file with the first of the identities that is one of its recipients.
   * The caller zeroes the returned plaintext when done.
   *
   * @throws CryptoException {@link CryptoException.Reason#NO_MATCHING_IDENTITY} when none of the
   *     identities opens the file, {@link CryptoException.Reason#MALFORMED_CIPHERTEXT} when it is
   *     not an armored age file or does not authenticate
   */
  public static byte[] decrypt(CharSequence armored, Collection<AgeIdentity> identities) {
    if (identities == null || identities.isEmpty()) {
      throw new CryptoException(
          CryptoException.Reason.INVALID_IDENTITY, "age: at least one identity is required");
    }
    if (armored == null || !armored.toString().strip().startsWith(ARMOR_HEADER)) {
      throw malformed(
          "not an ASCII-armored age file (it must start with '"
              + ARMOR_HEADER
              + "', as `age -a` writes it)",
          null);
    }
    List<RecipientStanzaReader> readers = new ArrayList<>(identities.size());
    for (AgeIdentity identity : identities) {
      try {
        readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(identity.secret()));
      } catch (GeneralSecurityException e) {
        throw new CryptoException(
            CryptoException.Reason.INVALID_IDENTITY,
            "age: identity for " + identity.recipient() + " is not usable",
            null);
      }
    }
    byte[] input = armored.toString().getBytes(StandardCharsets.US_ASCII);
    try (ReadableByteChannel channel =
        new ArmoredDecryptingChannelFactory()
            .newDecryptingChannel(Channels.newChannel(new ByteArrayInputStream(input)), readers)) {
      return readAll(channel);
    } catch (UnsupportedRecipientStanzaException e) {
      throw new CryptoException(
          CryptoException.Reason.NO_MATCHING_IDENTITY,
          "age: none of the given identities ("
              + identities.stream()
                  .map(i -> i.recipient().value())
                  .collect(Collectors.joining(", "))
              + ") is a recipient of this file; it was sealed to other recipients",
          e);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw malformed(
          "the file is corrupt, truncated or does not authenticate ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + ")",
          e);
    }
  }

  private static byte[] readAll(ReadableByteChannel channel) throws IOException {
    byte[] result = new byte[0];
    ByteBuffer chunk = ByteBuffer.allocate(READ_CHUNK);
    try {
      int read;
      while ((read = channel.read(chunk)) != -1) {
        if (read == 0) {
          continue;
        }
        chunk.flip();
        byte[] grown = Arrays.copyOf(result, result.length + chunk.remaining());
        chunk.get(grown, result.length, chunk.remaining());
        Arrays.fill(result, (byte) 0);
        result = grown;
        chunk.clear();
      }
      return result;
    } catch (IOException | RuntimeException e) {
      Arrays.fill(result, (byte) 0);
      throw e;
    } finally {
      Arrays.fill(chunk.array(), (byte) 0);
    }
  }

  private static CryptoException malformed(String detail, Throwable cause) {
    return new CryptoException(
        CryptoException.Reason.MALFORMED_CIPHERTEXT, "age: " + detail, cause);
  }
}
