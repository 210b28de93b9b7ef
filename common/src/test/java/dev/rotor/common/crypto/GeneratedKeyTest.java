package dev.rotor.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedKeyTest {
  @TempDir Path tmp;

  @Test
  void generatedKeyIsFortyFourCharactersOfPaddedBase64DecodingToThirtyTwoBytes() {
    try (GeneratedKey key = GeneratedKey.generate()) {
      String base64 = key.revealBase64();

      assertThat(base64).hasSize(44).matches("[A-Za-z0-9+/]{43}=");
      assertThat(Base64.getDecoder().decode(base64)).hasSize(32).isEqualTo(key.copyRaw());
      assertThat(key.copyBase64()).isEqualTo(base64.getBytes(StandardCharsets.US_ASCII));
    }
  }

  @Test
  void fingerprintAndKeyIdFollowTheRunbookDefinition() {
    try (GeneratedKey key = GeneratedKey.generate()) {
      assertThat(key.fingerprint()).isEqualTo(Fingerprints.ofBase64(key.revealBase64()));
      assertThat(key.keyId()).isEqualTo(key.fingerprint().substring(0, 8));
    }
  }

  @Test
  void generatedKeysDifferFromCallToCall() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      try (GeneratedKey key = GeneratedKey.generate()) {
        seen.add(key.revealBase64());
      }
    }
    assertThat(seen).hasSize(200);
  }

  @Test
  void keysComeFromAPredictionResistantDrbgOfFullStrength() {
    SecureRandom random = Drbg.shared();

    assertThat(random.getAlgorithm()).isEqualTo("DRBG");
    assertThat(random.toString()).contains("256").contains("pr_and_reseed");
  }

  @Test
  void closeZeroesTheRawAndTheBase64Buffers() {
    GeneratedKey key = GeneratedKey.generate();
    byte[] raw = key.rawBuffer();
    byte[] base64 = key.base64Buffer();
    assertThat(base64).isEqualTo(key.copyBase64()).isNotEqualTo(new byte[44]);
    assertThat(raw).isEqualTo(key.copyRaw()).isNotEqualTo(new byte[32]);

    key.close();

    assertThat(raw).containsOnly(0);
    assertThat(base64).containsOnly(0);
    assertThat(key.isClosed()).isTrue();
  }

  @Test
  void aClosedKeyRefusesToHandOutItsMaterialButStillNamesItself() {
    GeneratedKey key = GeneratedKey.generate();
    String keyId = key.keyId();
    key.close();

    assertThatThrownBy(key::copyRaw)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(keyId);
    assertThatThrownBy(key::copyBase64).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(key::revealBase64).isInstanceOf(IllegalStateException.class);
    assertThat(key.fingerprint()).startsWith(keyId);
  }

  @Test
  void toStringShowsTheKeyIdAndFingerprintButNeverTheKey() {
    try (GeneratedKey key = GeneratedKey.generate()) {
      String text = key.toString();

      assertThat(text).contains(key.keyId()).contains(key.fingerprint());
      assertThat(text).doesNotContain(key.revealBase64());
      assertThat(text).doesNotContain(Base64.getUrlEncoder().encodeToString(key.copyRaw()));
    }
  }

  @Test
  void aKeyPrintedByOpensslRandIsAcceptedWithTheSameFingerprintAsSha256sum() throws Exception {
    Commands.requireTool(Path.of("/usr/bin/openssl"), "openssl");
    String printed = Commands.runText(List.of("openssl", "rand", "-base64", "32"), null, tmp);
    String value = printed.strip();
    String sha256sum =
        Commands.runText(List.of("sha256sum"), value.getBytes(StandardCharsets.US_ASCII), tmp);

    try (GeneratedKey key = GeneratedKey.fromBase64(value.getBytes(StandardCharsets.US_ASCII))) {
      assertThat(key.revealBase64()).isEqualTo(value);
      assertThat(key.fingerprint()).isEqualTo(sha256sum.substring(0, 64));
    }
  }

  @Test
  void fromRawCopiesTheCallersBytesSoTheyCanBeZeroed() {
    byte[] raw = new byte[32];
    Arrays.fill(raw, (byte) 7);
    try (GeneratedKey key = GeneratedKey.fromRaw(raw)) {
      Arrays.fill(raw, (byte) 0);

      byte[] expected = new byte[32];
      Arrays.fill(expected, (byte) 7);
      assertThat(key.copyRaw()).isEqualTo(expected);
      assertThat(key.revealBase64()).isEqualTo(Base64.getEncoder().encodeToString(expected));
    }
  }

  @Test
  void fromBase64RefusesAnythingButTheCanonicalFortyFourCharacterFormWithoutQuotingIt() {
    String withNewline = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=\n";
    // Same 32 bytes would end in 'Y='; 'Z=' sets padding bits, which is not canonical.
    String nonCanonical = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Z=";
    String sixteenBytes = "AAAAAAAAAAAAAAAAAAAAAA==";
    String notBase64 = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT6!Y=";

    for (String bad : List.of(withNewline, nonCanonical, sixteenBytes, notBase64)) {
      assertThatThrownBy(() -> GeneratedKey.fromBase64(bad.getBytes(StandardCharsets.US_ASCII)))
          .isInstanceOfSatisfying(
              CryptoException.class,
              e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.INVALID_KEY))
          .hasMessageContaining("44-character")
          .hasMessageNotContaining(bad.strip())
          .hasNoCause();
    }
  }

  @Test
  void fromRawRefusesAKeyThatIsNotThirtyTwoBytes() {
    assertThatThrownBy(() -> GeneratedKey.fromRaw(new byte[16]))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining("expected 32 bytes, got 16 bytes");
  }
}
