package dev.rotor.manifest.keyring;

import dev.rotor.common.crypto.CryptoException;
import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.crypto.SealingKeys;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import dev.rotor.manifest.RotationFailedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Values for a {@code sealed-secret} manifest: the new key as key.generated sealed it for the
 * stages' controller, and {@code keyring.primary} sealed here with the controller's certificate (a
 * public key: no secret is needed, and the plaintext key is never at hand).
 *
 * <p>One manifest path serves every stage, so every stage's certificate must be the same key: a
 * value sealed for one controller cannot be opened by another.
 */
public final class SealedEntryValues implements EntryValues {
  private final X509Certificate certificate;
  private final String namespace;
  private final String secretName;
  private final String newKeyValue;

  private SealedEntryValues(
      X509Certificate certificate, String namespace, String secretName, String newKeyValue) {
    this.certificate = certificate;
    this.namespace = namespace;
    this.secretName = secretName;
    this.newKeyValue = newKeyValue;
  }

  /**
   * The values of a rotation.
   *
   * @throws RotationFailedException {@code MANIFEST_INVALID} when a stage lacks a certificate, the
   *     stages' certificates differ, or key.generated has no value sealed for them
   */
  public static SealedEntryValues of(KeyGenerated key) {
    Plan plan = key.plan();
    X509Certificate certificate = commonCertificate(plan);
    String value = sealedValue(key, plan, certificate);
    return new SealedEntryValues(certificate, plan.namespace(), plan.secretName(), value);
  }

  /** Values for a rollback: only {@code keyring.primary} changes, sealed with the certificate. */
  public static SealedEntryValues forPrimaryOnly(Plan plan) {
    return new SealedEntryValues(
        commonCertificate(plan), plan.namespace(), plan.secretName(), null);
  }

  @Override
  public String newKeyValue() {
    if (newKeyValue == null) {
      throw new IllegalStateException("no new key in a rollback");
    }
    return newKeyValue;
  }

  @Override
  public String primaryValue(String keyId) {
    byte[] text = keyId.getBytes(StandardCharsets.US_ASCII);
    return SealedSecretSealer.seal(certificate, namespace, secretName, text);
  }

  @Override
  public void close() {
    // Holds sealed values and a public certificate only.
  }

  private static X509Certificate commonCertificate(Plan plan) {
    X509Certificate first = null;
    String firstCluster = null;
    for (Stage stage : plan.stages()) {
      if (stage.sealingCertificate() == null || stage.sealingCertificate().isBlank()) {
        throw RotationFailedException.invalid(
            "stage "
                + stage.cluster()
                + " has no sealing certificate; manifest.format sealed-secret needs the"
                + " certificate of each stage's sealed-secrets controller");
      }
      X509Certificate certificate;
      try {
        certificate = SealingKeys.parseCertificate(stage.sealingCertificate());
      } catch (CryptoException e) {
        throw RotationFailedException.invalid(
            "stage " + stage.cluster() + ": sealing certificate: " + e.getMessage());
      }
      if (first == null) {
        first = certificate;
        firstCluster = stage.cluster();
      } else if (!samePublicKey(first.getPublicKey(), certificate.getPublicKey())) {
        throw RotationFailedException.invalid(
            "stages "
                + firstCluster
                + " and "
                + stage.cluster()
                + " have different sealing certificates, but they share one manifest ("
                + plan.manifest().path()
                + "): a SealedSecret opens with one controller key only. Give the clusters the"
                + " same sealing key (sealed-secrets' bring-your-own-certificate), or keep one"
                + " manifest per cluster and one policy target per manifest");
      }
    }
    return first;
  }

  private static boolean samePublicKey(PublicKey a, PublicKey b) {
    return Arrays.equals(a.getEncoded(), b.getEncoded());
  }

  private static String sealedValue(KeyGenerated key, Plan plan, X509Certificate certificate) {
    List<SealedKey> sealed =
        key.sealed().stream().filter(s -> s.kind() == SealedKey.Kind.SEALED_SECRET).toList();
    for (Stage stage : plan.stages()) {
      for (SealedKey candidate : sealed) {
        if (candidate.recipient().equals(stage.cluster())) {
          requireSealedWith(candidate, certificate);
          return candidate.ciphertext();
        }
      }
    }
    throw RotationFailedException.invalid(
        "key.generated has no SealedSecret value for any stage of the plan ("
            + plan.stages().stream().map(Stage::cluster).toList()
            + "); the key-generator seals the key for each stage's certificate");
  }

  private static void requireSealedWith(SealedKey value, X509Certificate certificate) {
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(value.ciphertext());
    } catch (IllegalArgumentException e) {
      throw RotationFailedException.invalid(
          "key.generated: the SealedSecret value for " + value.recipient() + " is not base64");
    }
    int modulusBytes = (((RSAKey) certificate.getPublicKey()).getModulus().bitLength() + 7) / 8;
    int rsaLength =
        decoded.length < 2 ? -1 : Short.toUnsignedInt(ByteBuffer.wrap(decoded).getShort());
    if (rsaLength != modulusBytes || decoded.length < 2 + modulusBytes + 16) {
      throw RotationFailedException.invalid(
          "key.generated: the SealedSecret value for "
              + value.recipient()
              + " was not sealed with the stage's certificate (its RSA part is "
              + rsaLength
              + " bytes, the certificate's key "
              + modulusBytes
              + ")");
    }
  }
}
