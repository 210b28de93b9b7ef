package dev.rotor.common.crypto;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A stand-in for a sealed-secrets controller's key pair and self-signed certificate. */
record ControllerKeys(KeyPair keyPair, X509Certificate certificate) {

  static ControllerKeys generate(int bits) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(bits);
    KeyPair keyPair = generator.generateKeyPair();
    X500Name subject = new X500Name("CN=sealed-secret,O=sealed-secret");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofMinutes(1))),
            Date.from(now.plus(Duration.ofDays(3650))),
            subject,
            keyPair.getPublic());
    X509Certificate certificate =
        new JcaX509CertificateConverter()
            .getCertificate(
                builder.build(
                    new JcaContentSignerBuilder("SHA256withRSA").build(keyPair.getPrivate())));
    return new ControllerKeys(keyPair, certificate);
  }

  /** The certificate as {@code kubeseal --fetch-cert} prints it. */
  String certificatePem() throws Exception {
    return pem(certificate);
  }

  /** PKCS#1 "RSA PRIVATE KEY", as the controller writes {@code tls.key}. */
  String pkcs1PrivateKeyPem() throws Exception {
    return pem(keyPair.getPrivate());
  }

  /** PKCS#8 "PRIVATE KEY". */
  String pkcs8PrivateKeyPem() {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'})
            .encodeToString(keyPair.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static String pem(Object object) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }
}
