package dev.rotor.common.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the sealed-secrets controller's keys from PEM: its certificate ({@code kubeseal
 * --fetch-cert}, or {@code tls.crt} of the controller's key Secret) and its private key ({@code
 * tls.key}, PKCS#1 "RSA PRIVATE KEY" as the controller writes it, or PKCS#8 "PRIVATE KEY").
 *
 * <p>Uses Bouncy Castle's PEM parser with the JDK's own providers; no provider is registered.
 * Private-key errors never quote the key or chain the parser's exception.
 */
public final class SealingKeys {
  private SealingKeys() {}

  /**
   * Parses the first certificate of a PEM text and checks that it carries an RSA public key.
   *
   * @throws CryptoException {@link CryptoException.Reason#INVALID_CERTIFICATE}
   */
  public static X509Certificate parseCertificate(String pem) {
    Object object = readFirst(pem, CryptoException.Reason.INVALID_CERTIFICATE, "certificate");
    if (!(object instanceof X509CertificateHolder)) {
      throw invalidCertificate(
          "expected a PEM 'CERTIFICATE' block, found " + describe(object), null);
    }
    X509Certificate certificate;
    try {
      certificate =
          new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) object);
    } catch (CertificateException e) {
      throw invalidCertificate("the certificate does not decode: " + e.getMessage(), e);
    }
    if (!"RSA".equals(certificate.getPublicKey().getAlgorithm())) {
      throw invalidCertificate(
          "the certificate's key is "
              + certificate.getPublicKey().getAlgorithm()
              + "; the sealed-secrets controller uses RSA",
          null);
    }
    return certificate;
  }

  /**
   * Parses an unencrypted RSA private key: PKCS#1 ({@code -----BEGIN RSA PRIVATE KEY-----}) or
   * PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}).
   *
   * @throws CryptoException {@link CryptoException.Reason#INVALID_PRIVATE_KEY}
   */
  public static RSAPrivateKey parsePrivateKey(String pem) {
    Object object = readFirst(pem, CryptoException.Reason.INVALID_PRIVATE_KEY, "private key");
    PrivateKey key;
    try {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (object instanceof PEMKeyPair) {
        key = converter.getKeyPair((PEMKeyPair) object).getPrivate();
      } else if (object instanceof PrivateKeyInfo) {
        key = converter.getPrivateKey((PrivateKeyInfo) object);
      } else if (object instanceof PEMEncryptedKeyPair
          || object instanceof PKCS8EncryptedPrivateKeyInfo) {
        throw invalidPrivateKey(
            "the private key is encrypted; give the unencrypted key as the controller stores it"
                + " (tls.key)");
      } else {
        throw invalidPrivateKey(
            "expected a PEM 'RSA PRIVATE KEY' or 'PRIVATE KEY' block, found " + describe(object));
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof CryptoException) {
        throw (CryptoException) e;
      }
      throw invalidPrivateKey(
          "the private key does not decode (" + e.getClass().getSimpleName() + ")");
    }
    if (!(key instanceof RSAPrivateKey)) {
      throw invalidPrivateKey(
          "the private key is " + key.getAlgorithm() + "; the sealed-secrets controller uses RSA");
    }
    return (RSAPrivateKey) key;
  }

  private static Object readFirst(String pem, CryptoException.Reason reason, String what) {
    if (pem == null || pem.isBlank()) {
      throw new CryptoException(reason, "sealing key: the " + what + " PEM text is empty");
    }
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (object == null) {
        throw new CryptoException(
            reason, "sealing key: no PEM block found in the " + what + " text (-----BEGIN ...)");
      }
      return object;
    } catch (IOException | RuntimeException e) {
      if (e instanceof CryptoException) {
        throw (CryptoException) e;
      }
      // Do not chain: for a private key the parser's exception may describe its content.
      throw new CryptoException(
          reason,
          "sealing key: the "
              + what
              + " PEM does not parse ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  private static String describe(Object object) {
    if (object instanceof X509CertificateHolder) {
      return "a certificate";
    }
    if (object instanceof PEMKeyPair || object instanceof PrivateKeyInfo) {
      return "a private key";
    }
    return object.getClass().getSimpleName();
  }

  private static CryptoException invalidCertificate(String detail, Throwable cause) {
    return new CryptoException(
        CryptoException.Reason.INVALID_CERTIFICATE, "sealing certificate: " + detail, cause);
  }

  private static CryptoException invalidPrivateKey(String detail) {
    return new CryptoException(
        CryptoException.Reason.INVALID_PRIVATE_KEY, "sealing key: " + detail);
  }
}
