package dev.rotor.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintsTest {
  /** A value printed once by {@code openssl rand -base64 32}. */
  private static final String VALUE = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=";

  /** {@code printf %s "$VALUE" | sha256sum}, computed once with the real tool. */
  private static final String VALUE_FINGERPRINT =
      "99f59ac9680aba4d4abc1f97a3f3a6dd1131bb0b766bd78b5ef3971d99f3a65d";

  @TempDir Path tmp;

  @Test
  void fingerprintIsWhatSha256sumPrintsForTheBase64Text() throws Exception {
    Commands.requireTool(Path.of("/usr/bin/sha256sum"), "coreutils");
    String out =
        new String(
            Commands.run(
                List.of("sh", "-c", "printf %s \"$V\" | sha256sum"), null, Map.of("V", VALUE), tmp),
            StandardCharsets.US_ASCII);

    assertThat(Fingerprints.ofBase64(VALUE)).isEqualTo(out.substring(0, 64));
  }

  @Test
  void fingerprintOfAFixedValueMatchesTheKnownAnswer() {
    assertThat(Fingerprints.ofBase64(VALUE)).isEqualTo(VALUE_FINGERPRINT);
    assertThat(Fingerprints.ofBase64Ascii(VALUE.getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(VALUE_FINGERPRINT);
  }

  @Test
  void fingerprintOfTheRawKeyIsTheFingerprintOfItsBase64Text() {
    assertThat(Fingerprints.ofRawKey(Base64.getDecoder().decode(VALUE)))
        .isEqualTo(VALUE_FINGERPRINT);
  }

  @Test
  void keyIdIsTheFirstEightHexCharactersOfTheFingerprint() {
    assertThat(Fingerprints.keyIdOfBase64(VALUE)).isEqualTo("99f59ac9");
    assertThat(Fingerprints.keyIdOf(VALUE_FINGERPRINT)).isEqualTo("99f59ac9");
  }

  @Test
  void aTrailingNewlineChangesTheFingerprintAsTheRunbookDefinitionImplies() {
    assertThat(Fingerprints.ofBase64(VALUE + "\n")).isNotEqualTo(VALUE_FINGERPRINT);
  }

  @Test
  void keyIdOfRefusesSomethingThatIsNotAFingerprint() {
    assertThatThrownBy(() -> Fingerprints.keyIdOf(VALUE_FINGERPRINT.toUpperCase()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 lowercase hex");
    assertThatThrownBy(() -> Fingerprints.keyIdOf("99f59ac9"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void recognisesKeyIdsAndFingerprintsByShape() {
    assertThat(Fingerprints.isKeyId("99f59ac9")).isTrue();
    assertThat(Fingerprints.isKeyId("99F59AC9")).isFalse();
    assertThat(Fingerprints.isKeyId("99f59ac")).isFalse();
    assertThat(Fingerprints.isKeyId(null)).isFalse();
    assertThat(Fingerprints.isFingerprint(VALUE_FINGERPRINT)).isTrue();
    assertThat(Fingerprints.isFingerprint(VALUE_FINGERPRINT + "0")).isFalse();
  }
}
