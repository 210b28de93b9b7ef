package dev.rotor.common.keyring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.crypto.GeneratedKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyringTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The published examples of docs/keyring.md. */
  private static final String KEY_A_BASE64 = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=";

  private static final String KEY_A_ID = "99f59ac9";
  private static final String KEY_B_BASE64 = "eI2FAOoSSWZV2mUxj1NCMlCIt2AI+bm7FngBdkYNmNA=";
  private static final String KEY_B_ID = "76960b5f";

  /** The test vector of docs/keyring.md. */
  private static final String NONCE_HEX = "000102030405060708090a0b";

  private static final String VECTOR_HEX =
      "0199f59ac9000102030405060708090a0b"
          + "6d4819fe62cc1191fd410bf688194c736595196847b526047a5150877a1f";

  private static final byte[] HELLO = "hello, keyring".getBytes(StandardCharsets.UTF_8);

  @TempDir Path directory;

  @Test
  void readsAMountedSecretAndEncryptsWithThePrimaryKey() throws IOException {
    writeSecret(directory, KEY_A_ID + "\n", KEY_A_BASE64, KEY_B_BASE64);
    Files.writeString(directory.resolve("app.properties"), "unrelated=entry");
    Files.write(directory.resolve("keyring.key.NOTAKEY0"), new byte[3]);

    try (Keyring keyring = Keyring.fromDirectory(directory)) {
      assertThat(keyring.primaryKeyId()).isEqualTo(KEY_A_ID);
      assertThat(keyring.keyIds()).containsExactly(KEY_B_ID, KEY_A_ID);
      assertThat(keyring.decryptOnlyKeyIds()).containsExactly(KEY_B_ID);
      byte[] ciphertext = keyring.encrypt(HELLO);
      assertThat(Keyring.keyIdOf(ciphertext)).isEqualTo(KEY_A_ID);
      assertThat(ciphertext).hasSize(KeyringCiphertextFormat.MINIMUM_LENGTH + HELLO.length);
      assertThat(keyring.decrypt(ciphertext)).isEqualTo(HELLO);
    }
  }

  @Test
  void readsTheSymlinkedFilesOfAKubernetesSecretVolume() throws IOException {
    // The kubelet writes a timestamped directory, points ..data at it, and links each entry.
    Path version = Files.createDirectory(directory.resolve("..2026_11_26_06_00_00.123456789"));
    writeSecret(version, KEY_B_ID, KEY_A_BASE64, KEY_B_BASE64);
    Files.createSymbolicLink(directory.resolve("..data"), version.getFileName());
    for (String entry :
        List.of("keyring.primary", "keyring.key." + KEY_A_ID, "keyring.key." + KEY_B_ID)) {
      Files.createSymbolicLink(directory.resolve(entry), Path.of("..data", entry));
    }

    try (Keyring keyring = Keyring.fromDirectory(directory)) {
      assertThat(keyring.primaryKeyId()).isEqualTo(KEY_B_ID);
      assertThat(keyring.decryptOnlyKeyIds()).containsExactly(KEY_A_ID);
    }
  }

  @Test
  void writesTheDocumentedTestVectorWhenTheNonceIsFixed() throws IOException {
    writeSecret(directory, KEY_A_ID, KEY_A_BASE64);

    try (Keyring keyring = Keyring.fromDirectory(directory, fixed(HEX.parseHex(NONCE_HEX)))) {
      assertThat(HEX.formatHex(keyring.encrypt(HELLO))).isEqualTo(VECTOR_HEX);
      assertThat(keyring.decrypt(HEX.parseHex(VECTOR_HEX))).isEqualTo(HELLO);
    }
  }

  @Test
  void everyEncryptionDrawsAFreshNonce() {
    try (Keyring keyring = Keyring.of(KEY_A_ID, List.of(raw(KEY_A_BASE64)))) {
      byte[] first = keyring.encrypt(HELLO);
      byte[] second = keyring.encrypt(HELLO);

      assertThat(nonceOf(first)).isNotEqualTo(nonceOf(second));
      assertThat(first).isNotEqualTo(second);
    }
  }

  @Test
  void decryptsWhatADecryptOnlyKeyWroteAndEncryptsOnlyWithThePrimary() {
    byte[] writtenWithA;
    try (Keyring old = Keyring.of(KEY_A_ID, List.of(raw(KEY_A_BASE64)))) {
      writtenWithA = old.encrypt(HELLO);
    }

    try (Keyring promoted = Keyring.of(KEY_B_ID, List.of(raw(KEY_A_BASE64), raw(KEY_B_BASE64)))) {
      assertThat(promoted.decrypt(writtenWithA)).isEqualTo(HELLO);
      assertThat(Keyring.keyIdOf(promoted.encrypt(HELLO))).isEqualTo(KEY_B_ID);
    }
  }

  @Test
  void aValueWrittenWithAKeyOutsideTheRingFailsWithAnErrorNamingThatKeyId() {
    byte[] writtenWithB;
    try (Keyring newOnly = Keyring.of(KEY_B_ID, List.of(raw(KEY_B_BASE64)))) {
      writtenWithB = newOnly.encrypt(HELLO);
    }

    try (Keyring oldOnly = Keyring.of(KEY_A_ID, List.of(raw(KEY_A_BASE64)))) {
      assertThatThrownBy(() -> oldOnly.decrypt(writtenWithB))
          .isInstanceOf(KeyringException.class)
          .hasFieldOrPropertyWithValue("reason", KeyringException.Reason.NOT_IN_KEYRING)
          .hasMessage(
              "cannot decrypt: the value was encrypted with key "
                  + KEY_B_ID
                  + ", which is not in the keyring (primary "
                  + KEY_A_ID
                  + ", decrypt-only [])")
          .hasNoCause();
    }
  }

  @Test
  void anAlteredValueFailsWithAClearErrorInsteadOfABareTagException() {
    try (Keyring keyring = Keyring.of(KEY_A_ID, List.of(raw(KEY_A_BASE64), raw(KEY_B_BASE64)))) {
      byte[] ciphertext = keyring.encrypt(HELLO);
      int[] positions = {
        KeyringCiphertextFormat.HEADER_LENGTH, // nonce
        KeyringCiphertextFormat.HEADER_LENGTH + KeyringCiphertextFormat.NONCE_LENGTH, // body
        ciphertext.length - 1 // tag
      };
      for (int position : positions) {
        byte[] altered = ciphertext.clone();
        altered[position] ^= 0x01;
        assertThatThrownBy(() -> keyring.decrypt(altered))
            .isInstanceOf(KeyringException.class)
            .hasFieldOrPropertyWithValue("reason", KeyringException.Reason.MALFORMED_CIPHERTEXT)
            .hasMessageContaining("names key " + KEY_A_ID + " but does not authenticate")
            .hasNoCause();
      }
      byte[] otherKeyInTheRing = ciphertext.clone();
      System.arraycopy(HEX.parseHex(KEY_B_ID), 0, otherKeyInTheRing, 1, 4);
      assertThatThrownBy(() -> keyring.decrypt(otherKeyInTheRing))
          .isInstanceOf(KeyringException.class)
          .hasMessageContaining("names key " + KEY_B_ID + " but does not authenticate");
      byte[] truncated = Arrays.copyOf(ciphertext, ciphertext.length - 1);
      assertThatThrownBy(() -> keyring.decrypt(truncated))
          .isInstanceOf(KeyringException.class)
          .hasMessageContaining("does not authenticate");
      assertThatThrownBy(() -> keyring.decrypt(new byte[10]))
          .isInstanceOf(KeyringException.class)
          .hasMessageContaining("at least 33");
    }
  }

  @Test
  void aKeyFileThatIsNotTheKeyItsNameSaysIsRefusedAtLoad() throws IOException {
    writeSecret(directory, KEY_A_ID, KEY_A_BASE64);
    // Key A's bytes filed under key B's id: a mixed-up Secret.
    Files.write(directory.resolve("keyring.key." + KEY_B_ID), raw(KEY_A_BASE64));

    assertThatThrownBy(() -> Keyring.fromDirectory(directory))
        .isInstanceOf(KeyringException.class)
        .hasFieldOrPropertyWithValue("reason", KeyringException.Reason.INVALID_LAYOUT)
        .hasMessageContaining("keyring.key." + KEY_B_ID + ": holds key " + KEY_A_ID)
        .hasMessageContaining("mislabeled");
  }

  @Test
  void aKeyFileHoldingBase64TextInsteadOfRawBytesIsRefusedAtLoad() throws IOException {
    writeSecret(directory, KEY_A_ID);
    Files.writeString(directory.resolve("keyring.key." + KEY_A_ID), KEY_A_BASE64);

    assertThatThrownBy(() -> Keyring.fromDirectory(directory))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("expected 32 key bytes, got 44")
        .message()
        .doesNotContain(KEY_A_BASE64);
  }

  @Test
  void aPrimaryThatIsMissingOrNotInTheRingOrNotAKeyIdIsRefusedAtLoad() throws IOException {
    Files.write(directory.resolve("keyring.key." + KEY_A_ID), raw(KEY_A_BASE64));
    assertThatThrownBy(() -> Keyring.fromDirectory(directory))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("keyring.primary: missing");

    Files.writeString(directory.resolve("keyring.primary"), KEY_B_ID);
    assertThatThrownBy(() -> Keyring.fromDirectory(directory))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("the primary key " + KEY_B_ID + " is not in the keyring")
        .hasMessageContaining("[" + KEY_A_ID + "]");

    // The key itself where its id belongs: refused, and the message does not repeat it.
    Files.writeString(directory.resolve("keyring.primary"), KEY_A_BASE64);
    assertThatThrownBy(() -> Keyring.fromDirectory(directory))
        .isInstanceOf(KeyringException.class)
        .hasFieldOrPropertyWithValue("reason", KeyringException.Reason.INVALID_KEY_ID)
        .hasMessageContaining("keyring.primary: not a key id")
        .message()
        .doesNotContain(KEY_A_BASE64);
  }

  @Test
  void aDirectoryThatDoesNotExistIsRefusedWithItsPath() {
    Path missing = directory.resolve("nowhere");

    assertThatThrownBy(() -> Keyring.fromDirectory(missing))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining(missing + ": not a directory");
  }

  @Test
  void readsTheEnvironmentVariablesWithBase64Keys() {
    Map<String, String> environment =
        Map.of(
            "ROTOR_KEYRING_PRIMARY", KEY_B_ID,
            "ROTOR_KEYRING_KEY_99F59AC9", KEY_A_BASE64,
            "ROTOR_KEYRING_KEY_76960B5F", KEY_B_BASE64,
            "ROTOR_KEYRING_KEY_SOMETHING", "ignored",
            "PATH", "/usr/bin");

    try (Keyring keyring = Keyring.fromEnvironment(environment)) {
      assertThat(keyring.primaryKeyId()).isEqualTo(KEY_B_ID);
      assertThat(keyring.decryptOnlyKeyIds()).containsExactly(KEY_A_ID);
      assertThat(keyring.decrypt(keyring.encrypt(HELLO))).isEqualTo(HELLO);
    }
  }

  @Test
  void anEnvironmentVariableThatIsNotItsKeyOrNotBase64IsRefusedNamingTheVariable() {
    Map<String, String> mislabeled = new HashMap<>();
    mislabeled.put("ROTOR_KEYRING_PRIMARY", KEY_A_ID);
    mislabeled.put("ROTOR_KEYRING_KEY_99F59AC9", KEY_B_BASE64);
    assertThatThrownBy(() -> Keyring.fromEnvironment(mislabeled))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("ROTOR_KEYRING_KEY_99F59AC9: holds key " + KEY_B_ID);

    Map<String, String> notBase64 = new HashMap<>(mislabeled);
    String garbled = "!" + KEY_A_BASE64.substring(1);
    notBase64.put("ROTOR_KEYRING_KEY_99F59AC9", garbled);
    assertThatThrownBy(() -> Keyring.fromEnvironment(notBase64))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("ROTOR_KEYRING_KEY_99F59AC9: not standard base64")
        .message()
        .doesNotContain(garbled.substring(1));

    assertThatThrownBy(() -> Keyring.fromEnvironment(Map.of("PATH", "/usr/bin")))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("ROTOR_KEYRING_PRIMARY: not set");
  }

  @Test
  void closingZeroesEveryKeyAndRefusesFurtherUse() {
    Keyring keyring = Keyring.of(KEY_A_ID, List.of(raw(KEY_A_BASE64), raw(KEY_B_BASE64)));
    byte[] ciphertext = keyring.encrypt(HELLO);
    List<byte[]> buffers = new ArrayList<>(keyring.keyBuffers());
    assertThat(buffers)
        .hasSize(2)
        .allSatisfy(buffer -> assertThat(buffer).isNotEqualTo(new byte[32]));

    keyring.close();

    assertThat(buffers).allSatisfy(buffer -> assertThat(buffer).isEqualTo(new byte[32]));
    assertThat(keyring.isClosed()).isTrue();
    assertThatThrownBy(() -> keyring.encrypt(HELLO)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> keyring.decrypt(ciphertext)).isInstanceOf(IllegalStateException.class);
    keyring.close();
  }

  @Test
  void keysGivenInMemoryGetTheirIdsDerivedAndAreCopied() {
    byte[] a = raw(KEY_A_BASE64);
    try (Keyring keyring = Keyring.of(KEY_A_ID, List.of(a))) {
      Arrays.fill(a, (byte) 0);
      assertThat(keyring.keyIds()).containsExactly(KEY_A_ID);
      assertThat(keyring.decrypt(HEX.parseHex(VECTOR_HEX))).isEqualTo(HELLO);
    }

    assertThatThrownBy(() -> Keyring.of(KEY_A_ID, List.of(raw(KEY_A_BASE64), raw(KEY_A_BASE64))))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("key " + KEY_A_ID + " is given twice");
    assertThatThrownBy(() -> Keyring.of(KEY_A_ID, List.of(new byte[16])))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("expected 32 bytes per key, got 16 bytes");
  }

  @Test
  void noMessageAndNoToStringContainsAKey() throws IOException {
    GeneratedKey generated = GeneratedKey.generate();
    String base64 = generated.revealBase64();
    byte[] raw = generated.copyRaw();
    List<String> texts = new ArrayList<>();
    try (Keyring keyring = Keyring.of(generated.keyId(), List.of(raw, raw(KEY_B_BASE64)))) {
      texts.add(keyring.toString());
      byte[] ciphertext = keyring.encrypt(HELLO);
      ciphertext[ciphertext.length - 1] ^= 1;
      texts.add(messageOf(() -> keyring.decrypt(ciphertext)));
    }
    try (Keyring other = Keyring.of(KEY_A_ID, List.of(raw(KEY_A_BASE64)));
        Keyring writer = Keyring.of(generated.keyId(), List.of(raw))) {
      byte[] foreign = writer.encrypt(HELLO);
      texts.add(messageOf(() -> other.decrypt(foreign)));
    }
    writeSecret(directory, generated.keyId());
    Files.write(directory.resolve("keyring.key." + KEY_A_ID), raw);
    texts.add(messageOf(() -> Keyring.fromDirectory(directory)));
    Files.writeString(directory.resolve("keyring.primary"), base64);
    texts.add(messageOf(() -> Keyring.fromDirectory(directory)));
    texts.add(
        messageOf(
            () ->
                Keyring.fromEnvironment(
                    Map.of(
                        "ROTOR_KEYRING_PRIMARY", KEY_A_ID,
                        "ROTOR_KEYRING_KEY_99F59AC9", base64))));
    texts.add(
        messageOf(() -> Keyring.fromEnvironment(Map.of("ROTOR_KEYRING_PRIMARY", base64 + "x"))));

    assertThat(texts)
        .hasSize(7)
        .allSatisfy(
            text ->
                assertThat(text)
                    .isNotBlank()
                    .doesNotContain(base64)
                    .doesNotContain(base64.substring(0, 20))
                    .doesNotContain(HEX.formatHex(raw).substring(0, 16)));
    Arrays.fill(raw, (byte) 0);
    generated.close();
  }

  private static String messageOf(ThrowingCallable call) {
    try {
      call.call();
    } catch (Throwable e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a failure");
  }

  private static void writeSecret(Path directory, String primary, String... base64Keys)
      throws IOException {
    Files.writeString(directory.resolve("keyring.primary"), primary);
    for (String base64 : base64Keys) {
      byte[] raw = raw(base64);
      Files.write(directory.resolve("keyring.key." + Fingerprints.keyIdOfBase64(base64)), raw);
    }
  }

  private static byte[] raw(String base64) {
    return Base64.getDecoder().decode(base64);
  }

  private static byte[] nonceOf(byte[] ciphertext) {
    return Arrays.copyOfRange(
        ciphertext,
        KeyringCiphertextFormat.HEADER_LENGTH,
        KeyringCiphertextFormat.HEADER_LENGTH + KeyringCiphertextFormat.NONCE_LENGTH);
  }

  /** A "random" source that always yields the same bytes, to reproduce the test vector. */
  private static SecureRandom fixed(byte[] bytes) {
    return new SecureRandom() {
      private static final long serialVersionUID = 1L;

      @Override
      public void nextBytes(byte[] out) {
        System.arraycopy(bytes, 0, out, 0, out.length);
      }
    };
  }
}
