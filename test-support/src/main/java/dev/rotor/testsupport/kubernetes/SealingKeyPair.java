package dev.rotor.testsupport.kubernetes;

import dev.rotor.common.crypto.SealedSecretSealer;
import dev.rotor.common.crypto.SealingKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A sealed-secrets controller's key pair for tests: the RSA private key the {@link
 * SealedSecretsController} unseals with, and the self-signed certificate a policy names ({@code
 * kubeseal --fetch-cert} prints the same kind of certificate). For tests only: the private key is
 * kept in the build's output folder.
 */
public final class SealingKeyPair {
  /**
   * RSA modulus size: the smallest Rotor accepts, to keep tests fast (the controller uses 4096).
   */
  public static final int TEST_BITS = 2048;

  private final RSAPrivateKey privateKey;
  private final X509Certificate certificate;
  private final String certificatePem;
  private final String privateKeyPem;

  private SealingKeyPair(String privateKeyPem, String certificatePem) {
    this.privateKeyPem = privateKeyPem;
    this.certificatePem = certificatePem;
    this.privateKey = SealingKeys.parsePrivateKey(privateKeyPem);
    this.certificate = SealingKeys.parseCertificate(certificatePem);
  }

  /** A new key pair and certificate. */
  public static SealingKeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(TEST_BITS);
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
                          Date.from(now.plus(Duration.ofDays(3650))),
                          subject,
                          keyPair.getPublic())
                      .build(
                          new JcaContentSignerBuilder("SHA256withRSA")
                              .build(keyPair.getPrivate())));
      return new SealingKeyPair(
          pem("PRIVATE KEY", keyPair.getPrivate().getEncoded()),
          pem("CERTIFICATE", certificate.getEncoded()));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate a sealing key pair", e);
    }
  }

  /**
   * The key pair of this test JVM and of every class loader in it: read from {@code
   * sealed-secrets/controller.key} and {@code controller.crt} under {@code ${rotor.test.tmpdir}}
   * (else {@code target/}), generated there on first use. Test resources that start separately (a
   * policy that names the certificate, the controller that unseals) agree on it this way.
   */
  public static SealingKeyPair shared() {
    // A string literal is one object in the whole JVM, whichever class loader runs this: the file
    // lock below is per JVM, not per thread, so threads must not overlap on it.
    synchronized (SHARED_LOCK) {
      return sharedLocked();
    }
  }

  private static final String SHARED_LOCK = "dev.rotor.testsupport.kubernetes.SealingKeyPair";

  private static SealingKeyPair sharedLocked() {
    Path directory =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "sealed-secrets")
            .toAbsolutePath();
    Path keyFile = directory.resolve("controller.key");
    Path certificateFile = directory.resolve("controller.crt");
    try {
      Files.createDirectories(directory);
      try (FileChannel lockChannel =
              FileChannel.open(
                  directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lockChannel.lock()) {
        if (Files.exists(keyFile) && Files.exists(certificateFile)) {
          return new SealingKeyPair(
              Files.readString(keyFile, StandardCharsets.US_ASCII),
              Files.readString(certificateFile, StandardCharsets.US_ASCII));
        }
        SealingKeyPair generated = generate();
        write(keyFile, generated.privateKeyPem);
        write(certificateFile, generated.certificatePem);
        return generated;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the sealing key pair in " + directory, e);
    }
  }

  /** The controller's private key. */
  public RSAPrivateKey privateKey() {
    return privateKey;
  }

  /** The certificate, as {@code kubeseal --fetch-cert} prints it. */
  public String certificatePem() {
    return certificatePem;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** Seals {@code value} for the Secret {@code namespace/name}, as {@code kubeseal} does. */
  public String seal(String namespace, String name, byte[] value) {
    return SealedSecretSealer.seal(certificate, namespace, name, value);
  }

  /** Writes the certificate to {@code file} (for a policy's {@code sealingCertificateFile}). */
  public Path writeCertificate(Path file) {
    write(file, certificatePem);
    return file;
  }

  @Override
  public String toString() {
    return "SealingKeyPair[" + certificate.getSubjectX500Principal() + "]";
  }

  private static void write(Path file, String content) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".tmp-", ".pem");
      Files.writeString(temporary, content, StandardCharsets.US_ASCII);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
