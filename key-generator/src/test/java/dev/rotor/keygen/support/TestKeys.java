package dev.rotor.keygen.support;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.crypto.SealingKeys;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The test run's own key material, generated once per JVM into {@code
 * ${rotor.test.tmpdir}/keygen-test-keys/}: two sealed-secrets controller key pairs (RSA-2048,
 * self-signed certificates), the security team's escrow identity and the manifest-service's age
 * identity. Files, not statics, so that test resources and test classes in any class loader, and
 * across Quarkus restarts, see the same keys.
 */
public final class TestKeys {
  public static final String STAGING_CERT = "staging.crt.pem";
  public static final String PRODUCTION_CERT = "production.crt.pem";

  private static final String GENERATED_PROPERTY = "rotor.keygen.test.keys";
  private static final String STAGING_KEY = "staging.key.pem";
  private static final String PRODUCTION_KEY = "production.key.pem";
  private static final String ESCROW_IDENTITY = "escrow.agekey";
  private static final String MANIFEST_IDENTITY = "manifest-service.agekey";

  private final Path directory;

  private TestKeys(Path directory) {
    this.directory = directory;
  }

  /** The keys of this JVM, generated on first use. */
  public static TestKeys get() {
    synchronized (System.getProperties()) {
      String generated = System.getProperty(GENERATED_PROPERTY);
      if (generated != null) {
        return new TestKeys(Paths.get(generated));
      }
      Path directory =
          Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "keygen-test-keys")
              .toAbsolutePath();
      generate(directory);
      System.setProperty(GENERATED_PROPERTY, directory.toString());
      return new TestKeys(directory);
    }
  }

  public Path directory() {
    return directory;
  }

  /** The staging controller's private key. */
  public RSAPrivateKey stagingKey() {
    return SealingKeys.parsePrivateKey(read(STAGING_KEY));
  }

  /** The production controller's private key. */
  public RSAPrivateKey productionKey() {
    return SealingKeys.parsePrivateKey(read(PRODUCTION_KEY));
  }

  /** The identity file that opens every escrow copy (for {@code age -d -i}). */
  public Path escrowIdentityFile() {
    return directory.resolve(ESCROW_IDENTITY);
  }

  public AgeIdentity escrowIdentity() {
    return AgeIdentity.parse(identityLine(read(ESCROW_IDENTITY)));
  }

  public AgeIdentity manifestServiceIdentity() {
    return AgeIdentity.parse(identityLine(read(MANIFEST_IDENTITY)));
  }

  private String read(String name) {
    try {
      return Files.readString(directory.resolve(name), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String identityLine(String file) {
    return file.lines().filter(l -> l.startsWith("AGE-SECRET-KEY-")).findFirst().orElseThrow();
  }

  private static void generate(Path directory) {
    try {
      Files.createDirectories(directory);
      writeControllerKeys(directory, "staging", STAGING_KEY, STAGING_CERT);
      writeControllerKeys(directory, "production", PRODUCTION_KEY, PRODUCTION_CERT);
      try (AgeIdentity escrow = AgeIdentity.generate();
          AgeIdentity manifest = AgeIdentity.generate()) {
        Files.writeString(directory.resolve(ESCROW_IDENTITY), escrow.revealIdentityFile());
        Files.writeString(directory.resolve(MANIFEST_IDENTITY), manifest.revealIdentityFile());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate the test keys", e);
    }
  }

  private static void writeControllerKeys(
      Path directory, String cluster, String keyFile, String certificateFile)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    X500Name name = new X500Name("CN=sealed-secrets-test-" + cluster + ", O=rotor-tests");
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofDays(1))),
            Date.from(now.plus(Duration.ofDays(3650))),
            name,
            pair.getPublic());
    var holder =
        builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
    Files.writeString(directory.resolve(certificateFile), pem(holder));
    Files.writeString(directory.resolve(keyFile), pem(pair.getPrivate()));
  }

  private static String pem(Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return text.toString();
  }
}
