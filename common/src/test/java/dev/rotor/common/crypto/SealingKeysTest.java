package dev.rotor.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealingKeysTest {
  private static ControllerKeys controller;

  @TempDir Path tmp;

  @BeforeAll
  static void controllerKeys() throws Exception {
    controller = ControllerKeys.generate(2048);
  }

  @Test
  void theControllersCertificateIsReadFromPem() throws Exception {
    X509Certificate certificate = SealingKeys.parseCertificate(controller.certificatePem());

    assertThat(certificate).isEqualTo(controller.certificate());
  }

  @Test
  void aPkcs1RsaPrivateKeyAsTheControllerWritesItLoads() throws Exception {
    String pem = controller.pkcs1PrivateKeyPem();
    assertThat(pem).startsWith("-----BEGIN RSA PRIVATE KEY-----");

    RSAPrivateKey key = SealingKeys.parsePrivateKey(pem);

    assertThat(key.getModulus()).isEqualTo(publicModulus());
  }

  @Test
  void aPkcs8PrivateKeyLoads() {
    String pem = controller.pkcs8PrivateKeyPem();
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");

    RSAPrivateKey key = SealingKeys.parsePrivateKey(pem);

    assertThat(key.getModulus()).isEqualTo(publicModulus());
  }

  @Test
  void keysReadFromPemSealAndUnsealTogether() throws Exception {
    byte[] value = {1, 2, 3};
    String sealed =
        SealedSecretSealer.seal(
            SealingKeys.parseCertificate(controller.certificatePem()), "ns", "name", value);

    assertThat(
            SealedSecretSealer.unseal(
                SealingKeys.parsePrivateKey(controller.pkcs1PrivateKeyPem()), "ns", "name", sealed))
        .isEqualTo(value);
  }

  @Test
  void aPrivateKeyGivenAsTheCertificateIsRefusedWithoutQuotingIt() throws Exception {
    String pem = controller.pkcs1PrivateKeyPem();
    String body = pem.lines().skip(1).findFirst().orElseThrow();

    assertThatThrownBy(() -> SealingKeys.parseCertificate(pem))
        .isInstanceOfSatisfying(
            CryptoException.class,
            e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.INVALID_CERTIFICATE))
        .hasMessageContaining("found a private key")
        .hasMessageNotContaining(body);
  }

  @Test
  void aCertificateGivenAsThePrivateKeyIsRefused() throws Exception {
    assertThatThrownBy(() -> SealingKeys.parsePrivateKey(controller.certificatePem()))
        .isInstanceOfSatisfying(
            CryptoException.class,
            e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.INVALID_PRIVATE_KEY))
        .hasMessageContaining("found a certificate");
  }

  @Test
  void anEncryptedPrivateKeyIsRefusedWithAHint() throws Exception {
    Commands.requireTool(Path.of("/usr/bin/openssl"), "openssl");
    Path plain = Files.writeString(tmp.resolve("tls.key"), controller.pkcs8PrivateKeyPem());
    String encrypted =
        Commands.runText(
            List.of(
                "openssl",
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-passout",
                "pass:secret",
                "-in",
                plain.toString()),
            null,
            tmp);
    assertThat(encrypted).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

    assertThatThrownBy(() -> SealingKeys.parsePrivateKey(encrypted))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining("encrypted");
  }

  @Test
  void emptyOrCorruptPemIsRefusedWithoutChainingTheParsersException() {
    String corrupt =
        "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
            + "-----END RSA PRIVATE KEY-----\n";

    assertThatThrownBy(() -> SealingKeys.parsePrivateKey(""))
        .hasMessageContaining("PEM text is empty");
    assertThatThrownBy(() -> SealingKeys.parsePrivateKey("hello"))
        .hasMessageContaining("no PEM block");
    assertThatThrownBy(() -> SealingKeys.parsePrivateKey(corrupt))
        .isInstanceOf(CryptoException.class)
        .hasNoCause()
        .hasMessageNotContaining("MIIBOgIBAAJBAKj34");
  }

  private static java.math.BigInteger publicModulus() {
    return ((java.security.interfaces.RSAPublicKey) controller.keyPair().getPublic()).getModulus();
  }
}
