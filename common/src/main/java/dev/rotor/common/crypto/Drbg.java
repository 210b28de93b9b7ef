package dev.rotor.common.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DrbgParameters;
import java.security.DrbgParameters.Capability;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Where Rotor's randomness comes from: the JDK's NIST SP 800-90A DRBG ({@code Hash_DRBG} with
 * SHA-256 on a stock JDK), instantiated at 256-bit security strength with prediction resistance, so
 * every request reseeds from the operating system's entropy source ({@code securerandom.source},
 * {@code /dev/random} on Linux).
 *
 * <p>Each instance gets a personalization string (SP 800-90A section 8.7.1) naming its purpose, the
 * process and the instantiation time; it is not secret, it only makes instances distinct.
 */
public final class Drbg {
  /** Security strength in bits requested from the DRBG. */
  public static final int STRENGTH = 256;

  private static final class Shared {
    static final SecureRandom INSTANCE = newInstance("shared");
  }

  private Drbg() {}

  /**
   * A new DRBG instance for one purpose (for example {@code "key-generator"}).
   *
   * @throws CryptoException when the runtime has no DRBG of that strength
   */
  public static SecureRandom newInstance(String purpose) {
    try {
      return SecureRandom.getInstance(
          "DRBG",
          DrbgParameters.instantiation(
              STRENGTH, Capability.PR_AND_RESEED, personalization(purpose)));
    } catch (NoSuchAlgorithmException e) {
      throw new CryptoException(
          CryptoException.Reason.UNAVAILABLE_ALGORITHM,
          "this Java runtime has no DRBG with 256-bit strength and prediction resistance;"
              + " use a standard OpenJDK 17 or newer",
          e);
    }
  }

  /** The process-wide instance used by Rotor's crypto classes; the JDK DRBG is thread-safe. */
  public static SecureRandom shared() {
    return Shared.INSTANCE;
  }

  private static byte[] personalization(String purpose) {
    byte[] label = ("dev.rotor/" + purpose).getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(label.length + 3 * Long.BYTES)
        .put(label)
        .putLong(ProcessHandle.current().pid())
        .putLong(System.currentTimeMillis())
        .putLong(System.nanoTime())
        .array();
  }
}
