package dev.rotor.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealedSecretSealerTest {
  private static final byte[] VALUE = new byte[32];

  private static ControllerKeys controller;
  private static ControllerKeys otherController;

  @TempDir Path tmp;

  @BeforeAll
  static void controllerKeys() throws Exception {
    controller = ControllerKeys.generate(2048);
    otherController = ControllerKeys.generate(2048);
    Arrays.fill(VALUE, (byte) 0x5a);
  }

  @Test
  void aSealedValueUnsealsForTheSameNamespaceAndName() {
    String sealed = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);

    byte[] opened =
        SealedSecretSealer.unseal(controller.keyPair().getPrivate(), "payments", "app-key", sealed);

    assertThat(opened).isEqualTo(VALUE);
  }

  @Test
  void sealingTheSameValueTwiceGivesDifferentCiphertexts() {
    String first = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);
    String second = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);

    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void theOutputHasTheSealedSecretsHybridLayoutWhenDecodedByHand() throws Exception {
    String sealed = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);
    ByteBuffer decoded = ByteBuffer.wrap(Base64.getDecoder().decode(sealed));

    int rsaLength = Short.toUnsignedInt(decoded.getShort());
    assertThat(rsaLength).isEqualTo(2048 / 8);
    byte[] rsaPart = new byte[rsaLength];
    decoded.get(rsaPart);
    byte[] aesPart = new byte[decoded.remaining()];
    decoded.get(aesPart);
    assertThat(aesPart).hasSize(VALUE.length + 16);

    byte[] sessionKey =
        oaepSha256Decrypt(controller.keyPair().getPrivate(), rsaPart, "payments/app-key");
    assertThat(sessionKey).hasSize(32);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(sessionKey, "AES"),
        new GCMParameterSpec(128, new byte[12]));
    assertThat(gcm.doFinal(aesPart)).isEqualTo(VALUE);
  }

  @Test
  void theSessionKeyIsWrappedWithMgf1Sha256NotTheJdkDefaultMgf1Sha1() throws Exception {
    String sealed = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);
    byte[] rsaPart = Arrays.copyOfRange(Base64.getDecoder().decode(sealed), 2, 2 + 256);
    Cipher jdkDefault = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
    jdkDefault.init(
        Cipher.DECRYPT_MODE,
        controller.keyPair().getPrivate(),
        new OAEPParameterSpec(
            "SHA-256",
            "MGF1",
            MGF1ParameterSpec.SHA1,
            new PSource.PSpecified("payments/app-key".getBytes(StandardCharsets.UTF_8))));

    assertThatThrownBy(() -> jdkDefault.doFinal(rsaPart)).isInstanceOf(BadPaddingException.class);
  }

  @Test
  void opensslOpensTheSessionKeyWithOaepSha256AndTheNamespaceSlashNameLabel() throws Exception {
    Commands.requireTool(Path.of("/usr/bin/openssl"), "openssl");
    String sealed = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);
    byte[] decoded = Base64.getDecoder().decode(sealed);
    byte[] rsaPart = Arrays.copyOfRange(decoded, 2, 2 + 256);
    byte[] aesPart = Arrays.copyOfRange(decoded, 2 + 256, decoded.length);
    Path key = Files.writeString(tmp.resolve("tls.key"), controller.pkcs8PrivateKeyPem());

    byte[] sessionKey =
        Commands.run(
            List.of(
                "openssl",
                "pkeyutl",
                "-decrypt",
                "-inkey",
                key.toString(),
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
                "-pkeyopt",
                "rsa_oaep_label:" + hex("payments/app-key")),
            rsaPart,
            java.util.Map.of(),
            tmp);

    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(sessionKey, "AES"),
        new GCMParameterSpec(128, new byte[12]));
    assertThat(gcm.doFinal(aesPart)).isEqualTo(VALUE);
  }

  @Test
  void aValueWhoseSessionKeyOpensslWrappedUnsealsInRotor() throws Exception {
    Commands.requireTool(Path.of("/usr/bin/openssl"), "openssl");
    byte[] sessionKey = new byte[32];
    Arrays.fill(sessionKey, (byte) 0x11);
    Path certificate = Files.writeString(tmp.resolve("cert.pem"), controller.certificatePem());
    byte[] rsaPart =
        Commands.run(
            List.of(
                "openssl",
                "pkeyutl",
                "-encrypt",
                "-certin",
                "-inkey",
                certificate.toString(),
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
                "-pkeyopt",
                "rsa_oaep_label:" + hex("payments/app-key")),
            sessionKey,
            java.util.Map.of(),
            tmp);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(sessionKey, "AES"),
        new GCMParameterSpec(128, new byte[12]));
    byte[] aesPart = gcm.doFinal(VALUE);
    String sealed =
        Base64.getEncoder()
            .encodeToString(
                ByteBuffer.allocate(2 + rsaPart.length + aesPart.length)
                    .putShort((short) rsaPart.length)
                    .put(rsaPart)
                    .put(aesPart)
                    .array());

    assertThat(
            SealedSecretSealer.unseal(
                controller.keyPair().getPrivate(), "payments", "app-key", sealed))
        .isEqualTo(VALUE);
  }

  @Test
  void unsealingAsAnotherNamespaceOrNameFailsNamingTheScopeTried() {
    String sealed = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);
    PrivateKey key = controller.keyPair().getPrivate();

    assertThatThrownBy(() -> SealedSecretSealer.unseal(key, "staging", "app-key", sealed))
        .isInstanceOfSatisfying(
            CryptoException.class,
            e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.WRONG_SCOPE_OR_KEY))
        .hasMessageContaining("'staging/app-key'")
        .hasMessageContaining("another namespace/name");
    assertThatThrownBy(() -> SealedSecretSealer.unseal(key, "payments", "other-key", sealed))
        .isInstanceOfSatisfying(
            CryptoException.class,
            e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.WRONG_SCOPE_OR_KEY));
  }

  @Test
  void unsealingWithAnotherControllersKeyFails() {
    String sealed = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);

    assertThatThrownBy(
            () ->
                SealedSecretSealer.unseal(
                    otherController.keyPair().getPrivate(), "payments", "app-key", sealed))
        .isInstanceOfSatisfying(
            CryptoException.class,
            e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.WRONG_SCOPE_OR_KEY));
  }

  @Test
  void aTamperedOrTruncatedValueIsReportedAsMalformed() {
    String sealed = SealedSecretSealer.seal(controller.certificate(), "payments", "app-key", VALUE);
    byte[] decoded = Base64.getDecoder().decode(sealed);
    decoded[decoded.length - 1] ^= 1;
    String tampered = Base64.getEncoder().encodeToString(decoded);
    String truncated = Base64.getEncoder().encodeToString(Arrays.copyOf(decoded, 100));
    PrivateKey key = controller.keyPair().getPrivate();

    assertThatThrownBy(() -> SealedSecretSealer.unseal(key, "payments", "app-key", tampered))
        .isInstanceOfSatisfying(
            CryptoException.class,
            e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.MALFORMED_CIPHERTEXT))
        .hasMessageContaining("does not authenticate");
    assertThatThrownBy(() -> SealedSecretSealer.unseal(key, "payments", "app-key", truncated))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> SealedSecretSealer.unseal(key, "payments", "app-key", "not base64!"))
        .hasMessageContaining("not standard base64");
  }

  @Test
  void strictScopeNeedsANamespaceAndANameWithoutSlashes() {
    assertThat(SealedSecretSealer.strictScopeLabel("payments", "app-key"))
        .isEqualTo("payments/app-key".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(
            () -> SealedSecretSealer.seal(controller.certificate(), "", "app-key", VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("namespace:");
    assertThatThrownBy(
            () -> SealedSecretSealer.seal(controller.certificate(), "payments", "a/b", VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name:");
  }

  @Test
  void aControllerKeyWeakerThanRsa2048IsRefused() throws Exception {
    ControllerKeys weak = ControllerKeys.generate(1024);

    assertThatThrownBy(() -> SealedSecretSealer.seal(weak.certificate(), "ns", "name", VALUE))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining("RSA-1024");
  }

  private static byte[] oaepSha256Decrypt(PrivateKey key, byte[] rsaPart, String label)
      throws Exception {
    Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
    rsa.init(
        Cipher.DECRYPT_MODE,
        key,
        new OAEPParameterSpec(
            "SHA-256",
            "MGF1",
            MGF1ParameterSpec.SHA256,
            new PSource.PSpecified(label.getBytes(StandardCharsets.UTF_8))));
    return rsa.doFinal(rsaPart);
  }

  private static String hex(String text) {
    return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
  }
}
