package dev.rotor.common.keyring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class KeyringCiphertextFormatTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The test vector in docs/keyring.md (checked once against Python's cryptography AESGCM). */
  private static final String KEY_BASE64 = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=";

  private static final String KEY_ID = "99f59ac9";
  private static final String NONCE_HEX = "000102030405060708090a0b";
  private static final String PLAINTEXT = "hello, keyring";
  private static final String CIPHERTEXT_HEX =
      "0199f59ac9000102030405060708090a0b"
          + "6d4819fe62cc1191fd410bf688194c736595196847b526047a5150877a1f";

  @Test
  void theHeaderIsVersionOneThenTheKeyIdsFourBytes() {
    assertThat(KeyringCiphertextFormat.header(KEY_ID))
        .isEqualTo(new byte[] {0x01, (byte) 0x99, (byte) 0xf5, (byte) 0x9a, (byte) 0xc9});
  }

  @Test
  void theDocumentedTestVectorIsHeaderNonceAndAesGcmWithoutAssociatedData() throws Exception {
    byte[] key = Base64.getDecoder().decode(KEY_BASE64);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(key, "AES"),
        new GCMParameterSpec(128, HEX.parseHex(NONCE_HEX)));
    byte[] sealed = gcm.doFinal(PLAINTEXT.getBytes(StandardCharsets.UTF_8));
    byte[] ciphertext =
        ByteBuffer.allocate(5 + 12 + sealed.length)
            .put(KeyringCiphertextFormat.header(KEY_ID))
            .put(HEX.parseHex(NONCE_HEX))
            .put(sealed)
            .array();

    assertThat(HEX.formatHex(ciphertext)).isEqualTo(CIPHERTEXT_HEX);
    assertThat(ciphertext).hasSize(KeyringCiphertextFormat.MINIMUM_LENGTH + PLAINTEXT.length());
  }

  @Test
  void theKeyIdIsReadBackFromTheHeader() {
    assertThat(KeyringCiphertextFormat.keyIdOf(HEX.parseHex(CIPHERTEXT_HEX))).isEqualTo(KEY_ID);
  }

  @Test
  void aCiphertextTooShortOrOfAnotherVersionIsRefused() {
    byte[] otherVersion = HEX.parseHex(CIPHERTEXT_HEX);
    otherVersion[0] = 0x02;

    assertThatThrownBy(() -> KeyringCiphertextFormat.keyIdOf(new byte[32]))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("at least 33");
    assertThatThrownBy(() -> KeyringCiphertextFormat.keyIdOf(otherVersion))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("version 0x02");
  }
}
