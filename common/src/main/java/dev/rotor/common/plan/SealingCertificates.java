package dev.rotor.common.plan;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Collection;

/**
 * Checks the certificate of a cluster's sealed-secrets controller, as {@code kubeseal --fetch-cert}
 * prints it, and returns it in one canonical PEM form.
 */
final class SealingCertificates {
  private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final String END = "-----END CERTIFICATE-----";

  private SealingCertificates() {}

  /**
   * The certificate as canonical PEM (64-character lines, {@code \n}). Throws {@link
   * IllegalArgumentException} saying what is wrong: not PEM, not one X.509 certificate, not an RSA
   * key of at least 2048 bits (sealed-secrets seals with RSA-OAEP).
   */
  static String canonicalPem(String pem) {
    if (pem.contains("PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          "holds a private key: the policy needs only the certificate; remove the key from the"
              + " file and treat it as exposed");
    }
    if (!pem.contains(BEGIN) || !pem.contains(END)) {
      throw new IllegalArgumentException(
          "not a PEM certificate: expected a '" + BEGIN + "' block (kubeseal --fetch-cert)");
    }
    Collection<? extends Certificate> certificates;
    try {
      certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "not a valid PEM certificate: the X.509 certificate cannot be parsed");
    }
    if (certificates.size() != 1) {
      throw new IllegalArgumentException(
          "expected exactly one PEM certificate (the controller's), found " + certificates.size());
    }
    X509Certificate certificate = (X509Certificate) certificates.iterator().next();
    if (!(certificate.getPublicKey() instanceof RSAPublicKey rsa)) {
      throw new IllegalArgumentException(
          "the certificate's key is "
              + certificate.getPublicKey().getAlgorithm()
              + ", but sealed-secrets seals with RSA");
    }
    if (rsa.getModulus().bitLength() < 2048) {
      throw new IllegalArgumentException(
          "the certificate's RSA key has "
              + rsa.getModulus().bitLength()
              + " bits; at least 2048 are required");
    }
    try {
      String body =
          Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded());
      return BEGIN + "\n" + body + "\n" + END + "\n";
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the certificate cannot be encoded");
    }
  }
}
