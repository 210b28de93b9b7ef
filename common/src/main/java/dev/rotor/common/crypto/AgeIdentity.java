package dev.rotor.common.crypto;

import com.exceptionfactory.jagged.bech32.Bech32;
import com.exceptionfactory.jagged.bech32.Bech32Address;
import com.exceptionfactory.jagged.x25519.X25519KeyFactory;
import java.nio.CharBuffer;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;

/**
 * An age X25519 identity (secret key), {@code AGE-SECRET-KEY-1...} as {@code age-keygen} writes it,
 * with its recipient.
 *
 * <p>The secret is kept in a char array that {@link #close()} zeroes. {@link #toString()} shows the
 * recipient only, and no error message quotes the secret.
 */
public final class AgeIdentity implements AutoCloseable {
  private static final String HRP = "AGE-SECRET-KEY-";
  private static final String PREFIX = HRP + "1";
  private static final int X25519_KEY_LENGTH = 32;

  private final char[] secret;
  private final AgeRecipient recipient;
  private volatile boolean closed;

  private AgeIdentity(char[] secret) {
    this.secret = secret;
    this.recipient = deriveRecipient(secret);
  }

  /** A new identity from Rotor's shared DRBG (like {@code age-keygen}: 32 random bytes). */
  public static AgeIdentity generate() {
    return generate(Drbg.shared());
  }

  /** A new identity from the given random source. */
  public static AgeIdentity generate(SecureRandom random) {
    if (random == null) {
      throw new IllegalArgumentException("random: is required");
    }
    byte[] scalar = new byte[X25519_KEY_LENGTH];
    random.nextBytes(scalar);
    try {
      CharSequence encoded = Bech32.getEncoder().encode(HRP, scalar);
      char[] secret = new char[encoded.length()];
      for (int i = 0; i < secret.length; i++) {
        secret[i] = encoded.charAt(i);
      }
      if (encoded instanceof CharBuffer && ((CharBuffer) encoded).hasArray()) {
        Arrays.fill(((CharBuffer) encoded).array(), '\0');
      }
      return new AgeIdentity(secret);
    } finally {
      Arrays.fill(scalar, (byte) 0);
    }
  }

  /**
   * Parses one identity, {@code AGE-SECRET-KEY-1...} (uppercase, surrounding whitespace ignored).
   */
  public static AgeIdentity parse(CharSequence text) {
    if (text == null) {
      throw invalid("nothing was given");
    }
    int start = 0;
    int end = text.length();
    while (start < end && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
      end--;
    }
    char[] secret = new char[end - start];
    for (int i = 0; i < secret.length; i++) {
      secret[i] = text.charAt(start + i);
    }
    try {
      validate(secret);
    } catch (CryptoException e) {
      Arrays.fill(secret, '\0');
      throw e;
    }
    return new AgeIdentity(secret);
  }

  /**
   * Parses an identity file as {@code age-keygen} writes it: one identity per line; blank lines and
   * lines starting with {@code #} are ignored. At least one identity is required.
   */
  public static List<AgeIdentity> parseIdentityFile(CharSequence contents) {
    if (contents == null) {
      throw invalid("identity file: nothing was given");
    }
    List<AgeIdentity> identities = new ArrayList<>();
    String[] lines = contents.toString().split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        identities.add(parse(line));
      } catch (CryptoException e) {
        identities.forEach(AgeIdentity::close);
        throw new CryptoException(
            e.reason(), "identity file, line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    if (identities.isEmpty()) {
      throw invalid("identity file: no AGE-SECRET-KEY-1... line found");
    }
    return List.copyOf(identities);
  }

  private static void validate(char[] secret) {
    if (secret.length == 0) {
      throw invalid("nothing was given");
    }
    String start = new String(secret, 0, Math.min(secret.length, PREFIX.length()));
    if (start.startsWith("age1")) {
      throw invalid(
          "this is a recipient (age1...), a public key; decryption needs the identity"
              + " (AGE-SECRET-KEY-1...)");
    }
    if (!PREFIX.equals(start)) {
      throw invalid("expected an uppercase X25519 identity starting with '" + PREFIX + "'");
    }
    Bech32Address address;
    try {
      address = Bech32.getDecoder().decode(CharBuffer.wrap(secret));
    } catch (RuntimeException e) {
      // The decoder's message can quote a character of the secret: do not chain it.
      throw invalid("not valid Bech32 (bad character, mixed case or checksum mismatch)");
    }
    byte[] data = address.getData();
    int length = data.length;
    Arrays.fill(data, (byte) 0);
    if (length != X25519_KEY_LENGTH) {
      throw invalid(
          "carries " + length + " bytes, an X25519 identity carries " + X25519_KEY_LENGTH);
    }
  }

  private static AgeRecipient deriveRecipient(char[] secret) {
    byte[] ascii = new byte[secret.length];
    for (int i = 0; i < secret.length; i++) {
      ascii[i] = (byte) secret[i]; // validated: Bech32 is ASCII
    }
    try {
      Key publicKey = new X25519KeyFactory().translateKey(new SecretKeySpec(ascii, "X25519"));
      return new AgeRecipient(publicKey.toString());
    } catch (GeneralSecurityException e) {
      throw invalid("cannot derive its recipient: " + e.getClass().getSimpleName());
    } finally {
      Arrays.fill(ascii, (byte) 0);
    }
  }

  private static CryptoException invalid(String detail) {
    return new CryptoException(CryptoException.Reason.INVALID_IDENTITY, "age identity: " + detail);
  }

  /** The recipient (public key) that files for this identity are encrypted to. */
  public AgeRecipient recipient() {
    return recipient;
  }

  /**
   * The identity file as {@code age-keygen} would write it (a comment with the public key, then the
   * secret line). This reveals the secret in a String that cannot be zeroed: write it to a
   * protected file and drop it.
   */
  public String revealIdentityFile() {
    requireOpen();
    return "# public key: " + recipient.value() + "\n" + new String(secret) + "\n";
  }

  /** The secret for the age library; the view is invalid after {@link #close()}. */
  CharSequence secret() {
    requireOpen();
    return CharBuffer.wrap(secret).asReadOnlyBuffer();
  }

  /** The live secret buffer, for tests that check it is zeroed. */
  char[] secretBuffer() {
    return secret;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Zeroes the secret. Idempotent. */
  @Override
  public void close() {
    closed = true;
    Arrays.fill(secret, '\0');
  }

  /** Shows the recipient, never the secret. */
  @Override
  public String toString() {
    return "AgeIdentity[recipient=" + recipient.value() + (closed ? ", closed" : "") + "]";
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(
          "age identity for " + recipient.value() + " is closed: its secret was zeroed");
    }
  }
}
