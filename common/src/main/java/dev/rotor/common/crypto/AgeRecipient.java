package dev.rotor.common.crypto;

import com.exceptionfactory.jagged.bech32.Bech32;
import com.exceptionfactory.jagged.bech32.Bech32Address;
import java.util.Locale;

/**
 * An age X25519 recipient (public key), {@code age1...} as {@code age-keygen} prints it after
 * "Public key:". Validated on construction: lowercase Bech32 with human-readable part {@code age}
 * and a 32-byte payload. Public: safe to log.
 *
 * @param value the recipient, for example {@code
 *     age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p}
 */
public record AgeRecipient(String value) {
  private static final String PREFIX = "age1";
  private static final int X25519_KEY_LENGTH = 32;

  public AgeRecipient {
    validate(value);
  }

  /** Parses a recipient, trimming surrounding whitespace. */
  public static AgeRecipient parse(CharSequence text) {
    if (text == null) {
      throw invalid("nothing was given");
    }
    return new AgeRecipient(text.toString().strip());
  }

  private static void validate(String value) {
    if (value == null || value.isBlank()) {
      throw invalid("nothing was given");
    }
    if (value.regionMatches(true, 0, "AGE-SECRET-KEY-1", 0, 16)) {
      // Never echo it: this is a secret identity given where a public recipient belongs.
      throw invalid(
          "this is a secret identity (AGE-SECRET-KEY-1...), not a recipient; give its public key"
              + " (age1..., `age-keygen -y <identity file>` prints it) and keep the identity secret");
    }
    if (value.startsWith("ssh-")) {
      throw invalid("SSH recipients are not supported; give an X25519 recipient (age1...)");
    }
    if (!value.equals(value.toLowerCase(Locale.ROOT))) {
      throw invalid("'" + abbreviate(value) + "' must be lowercase");
    }
    if (!value.startsWith(PREFIX)) {
      throw invalid("'" + abbreviate(value) + "' does not start with '" + PREFIX + "'");
    }
    Bech32Address address;
    try {
      address = Bech32.getDecoder().decode(value);
    } catch (RuntimeException e) {
      throw invalid(
          "'"
              + abbreviate(value)
              + "' is not valid Bech32 ("
              + e.getMessage()
              + "); check for typos");
    }
    if (!"age".contentEquals(address.getHumanReadablePart())) {
      throw invalid(
          "'"
              + abbreviate(value)
              + "' has human-readable part '"
              + address.getHumanReadablePart()
              + "', expected 'age' (plugin recipients are not supported)");
    }
    if (address.getData().length != X25519_KEY_LENGTH) {
      throw invalid(
          "'"
              + abbreviate(value)
              + "' carries "
              + address.getData().length
              + " bytes, an X25519 recipient carries "
              + X25519_KEY_LENGTH);
    }
  }

  private static String abbreviate(String value) {
    return value.length() <= 16 ? value : value.substring(0, 12) + "...";
  }

  private static CryptoException invalid(String detail) {
    return new CryptoException(
        CryptoException.Reason.INVALID_RECIPIENT, "age recipient: " + detail);
  }

  @Override
  public String toString() {
    return value;
  }
}
