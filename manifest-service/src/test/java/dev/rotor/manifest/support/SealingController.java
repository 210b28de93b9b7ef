package dev.rotor.manifest.support;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A stand-in for a cluster's sealed-secrets controller: its key pair and certificate. */
public record SealingController(KeyPair keyPair, X509Certificate certificate, String pem) {

  public static SealingController generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair keyPair = generator.generateKeyPair();
      X500Name subject = new X500Name("CN=sealed-secret,O=sealed-secret");
      Instant now = Instant.now();
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  new JcaX509v3CertificateBuilder(
                          subject,
                          BigInteger.valueOf(now.toEpochMilli()),
                          Date.from(now.minus(Duration.ofMinutes(1))),
                          Date.from(now.plus(Duration.ofDays(365))),
                          subject,
                          keyPair.getPublic())
                      .build(
                          new JcaContentSignerBuilder("SHA256withRSA")
                              .build(keyPair.getPrivate())));
      StringWriter out = new StringWriter();
      try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
        writer.writeObject(certificate);
      }
      return new SealingController(keyPair, certificate, out.toString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
