package dev.rotor.common.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and unseals one value of a Bitnami SealedSecret ({@code spec.encryptedData}), byte for byte
 * as the sealed-secrets controller's "hybrid encryption" does, with strict scope.
 *
 * <p>Layout of the decoded value:
 *
 * <pre>
 * uint16 big-endian  length n of the RSA part
 * n bytes            RSA-OAEP(SHA-256, MGF1-SHA-256, label = "namespace/name") of a fresh 32-byte session key
 * rest               AES-256-GCM(session key, nonce = 12 zero bytes, no AAD) of the value, tag last
 * </pre>
 *
 * The whole is standard padded base64. The zero nonce is safe because every value gets a fresh
 * session key. The OAEP label binds the value to its Secret: it unseals only as {@code
 * namespace/name}.
 */
public final class SealedSecretSealer {
  /** Length of the AES-256 session key in bytes. */
  public static final int SESSION_KEY_LENGTH = 32;

  /** Smallest RSA modulus accepted, in bits (the controller's default is 4096). */
  public static final int MINIMUM_RSA_BITS = 2048;

  private static final int GCM_NONCE_LENGTH = 12;
  private static final int GCM_TAG_BITS = 128;
  private static final int LENGTH_PREFIX = 2;

  private SealedSecretSealer() {}

  /** Seals with the public key of the controller's certificate. */
  public static String seal(
      X509Certificate certificate, String namespace, String name, byte[] value) {
    if (certificate == null) {
      throw new CryptoException(
          CryptoException.Reason.INVALID_CERTIFICATE, "sealed secret: a certificate is required");
    }
    return seal(certificate.getPublicKey(), namespace, name, value);
  }

  /** Seals with the controller's RSA public key, session key from Rotor's shared DRBG. */
  public static String seal(PublicKey publicKey, String namespace, String name, byte[] value) {
    return seal(publicKey, namespace, name, value, Drbg.shared());
  }

  /**
   * Seals {@code value} for the Secret {@code namespace/name} (strict scope) and returns the base64
   * text for {@code spec.encryptedData}. {@code random} supplies the session key and the OAEP seed.
   */
  public static String seal(
      PublicKey publicKey, String namespace, String name, byte[] value, SecureRandom random) {
    byte[] label = strictScopeLabel(namespace, name);
    requireRsa(publicKey, CryptoException.Reason.INVALID_CERTIFICATE, "public key");
    if (value == null) {
      throw new IllegalArgumentException("value: is required");
    }
    if (random == null) {
      throw new IllegalArgumentException("random: is required");
    }
    byte[] sessionKey = new byte[SESSION_KEY_LENGTH];
    byte[] rsaPart = null;
    byte[] aesPart = null;
    byte[] out = null;
    try {
      random.nextBytes(sessionKey);
      Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
      rsa.init(Cipher.ENCRYPT_MODE, publicKey, oaep(label), random);
      rsaPart = rsa.doFinal(sessionKey);

      Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
      aes.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(sessionKey, "AES"),
          new GCMParameterSpec(GCM_TAG_BITS, new byte[GCM_NONCE_LENGTH]));
      aesPart = aes.doFinal(value);

      out =
          ByteBuffer.allocate(LENGTH_PREFIX + rsaPart.length + aesPart.length)
              .putShort((short) rsaPart.length)
              .put(rsaPart)
              .put(aesPart)
              .array();
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw unavailable(e);
    } finally {
      Arrays.fill(sessionKey, (byte) 0);
      // The GCM output holds no plaintext, but it is cheap to be tidy.
      if (aesPart != null) {
        Arrays.fill(aesPart, (byte) 0);
      }
      if (out != null) {
        Arrays.fill(out, (byte) 0);
      }
    }
  }

  /**
   * Opens a value sealed for {@code namespace/name}. The caller zeroes the returned bytes.
   *
   * @throws CryptoException {@link CryptoException.Reason#WRONG_SCOPE_OR_KEY} when the value was
   *     sealed for another Secret or with another controller key, {@link
   *     CryptoException.Reason#MALFORMED_CIPHERTEXT} when it is not a sealed value or is corrupt
   */
  public static byte[] unseal(
      PrivateKey privateKey, String namespace, String name, String encryptedValue) {
    byte[] label = strictScopeLabel(namespace, name);
    int modulusBytes =
        requireRsa(privateKey, CryptoException.Reason.INVALID_PRIVATE_KEY, "private key");
    if (encryptedValue == null || encryptedValue.isBlank()) {
      throw malformed("the encrypted value is empty");
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(encryptedValue.strip());
    } catch (IllegalArgumentException e) {
      throw malformed("the encrypted value is not standard base64 (" + e.getMessage() + ")");
    }
    if (decoded.length < LENGTH_PREFIX) {
      throw malformed("the encrypted value is too short to hold the RSA length prefix");
    }
    ByteBuffer buffer = ByteBuffer.wrap(decoded);
    int rsaLength = Short.toUnsignedInt(buffer.getShort());
    if (rsaLength > buffer.remaining()) {
      throw malformed(
          "the length prefix says "
              + rsaLength
              + " RSA bytes, but only "
              + buffer.remaining()
              + " bytes follow (truncated?)");
    }
    if (rsaLength != modulusBytes) {
      throw new CryptoException(
          CryptoException.Reason.WRONG_SCOPE_OR_KEY,
          "sealed secret: the value's RSA part is "
              + rsaLength
              + " bytes but this private key's modulus is "
              + modulusBytes
              + " bytes: it was sealed with another controller key");
    }
    byte[] rsaPart = new byte[rsaLength];
    buffer.get(rsaPart);
    byte[] aesPart = new byte[buffer.remaining()];
    buffer.get(aesPart);

    byte[] sessionKey = null;
    try {
      Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
      rsa.init(Cipher.DECRYPT_MODE, privateKey, oaep(label));
      try {
        sessionKey = rsa.doFinal(rsaPart);
      } catch (BadPaddingException e) {
        throw new CryptoException(
            CryptoException.Reason.WRONG_SCOPE_OR_KEY,
            "sealed secret: cannot open the session key as '"
                + new String(label, StandardCharsets.UTF_8)
                + "': the value was sealed for another namespace/name (strict scope) or with"
                + " another controller key");
      }
      if (sessionKey.length != SESSION_KEY_LENGTH) {
        throw malformed(
            "the session key is "
                + sessionKey.length
                + " bytes, expected "
                + SESSION_KEY_LENGTH
                + " (not written by sealed-secrets)");
      }
      Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
      aes.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(sessionKey, "AES"),
          new GCMParameterSpec(GCM_TAG_BITS, new byte[GCM_NONCE_LENGTH]));
      try {
        return aes.doFinal(aesPart);
      } catch (AEADBadTagException e) {
        throw malformed("the AES-GCM part does not authenticate (corrupt or truncated)");
      }
    } catch (InvalidKeyException
        | InvalidAlgorithmParameterException
        | NoSuchAlgorithmException
        | NoSuchPaddingException e) {
      throw unavailable(e);
    } catch (GeneralSecurityException e) {
      throw malformed("it does not decrypt (" + e.getClass().getSimpleName() + ")");
    } finally {
      if (sessionKey != null) {
        Arrays.fill(sessionKey, (byte) 0);
      }
      Arrays.fill(decoded, (byte) 0);
    }
  }

  /**
   * The OAEP label of strict scope: {@code namespace/name}, UTF-8.
   *
   * @throws IllegalArgumentException when the namespace or name is empty or contains '/'
   */
  public static byte[] strictScopeLabel(String namespace, String name) {
    requireSegment(namespace, "namespace");
    requireSegment(name, "name");
    return (namespace + "/" + name).getBytes(StandardCharsets.UTF_8);
  }

  private static void requireSegment(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          field + ": is required (strict scope binds the value to namespace/name)");
    }
    if (value.indexOf('/') >= 0 || !value.equals(value.strip())) {
      throw new IllegalArgumentException(
          field + ": '" + value + "' must not contain '/' or surrounding whitespace");
    }
  }

  private static OAEPParameterSpec oaep(byte[] label) {
    // Explicit MGF1-SHA-256: the JDK's default for OAEP with SHA-256 would use MGF1-SHA-1.
    return new OAEPParameterSpec(
        "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, new PSource.PSpecified(label));
  }

  private static int requireRsa(Object key, CryptoException.Reason reason, String what) {
    if (!(key instanceof RSAKey)) {
      throw new CryptoException(
          reason,
          "sealed secret: the "
              + what
              + " must be RSA (the sealed-secrets controller's key), got "
              + (key == null ? "none" : ((java.security.Key) key).getAlgorithm()));
    }
    int bits = ((RSAKey) key).getModulus().bitLength();
    if (bits < MINIMUM_RSA_BITS) {
      throw new CryptoException(
          reason,
          "sealed secret: the "
              + what
              + " is RSA-"
              + bits
              + "; at least RSA-"
              + MINIMUM_RSA_BITS
              + " is required");
    }
    return (bits + 7) / 8;
  }

  private static CryptoException malformed(String detail) {
    return new CryptoException(
        CryptoException.Reason.MALFORMED_CIPHERTEXT, "sealed secret: " + detail);
  }

  private static CryptoException unavailable(GeneralSecurityException e) {
    return new CryptoException(
        CryptoException.Reason.UNAVAILABLE_ALGORITHM,
        "sealed secret: the Java runtime refused RSA-OAEP-SHA256 or AES-GCM ("
            + e.getClass().getSimpleName()
            + ": "
            + e.getMessage()
            + ")",
        e);
  }
}
