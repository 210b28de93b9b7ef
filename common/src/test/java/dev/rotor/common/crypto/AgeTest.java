package dev.rotor.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgeTest {
  private static final byte[] KEY =
      "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=".getBytes(StandardCharsets.US_ASCII);

  @Test
  void outputIsAsciiArmoredLikeAgeDashA() {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      String armored = Age.encrypt(KEY, List.of(identity.recipient()));

      List<String> lines = armored.lines().toList();
      assertThat(lines.get(0)).isEqualTo("-----BEGIN AGE ENCRYPTED FILE-----");
      assertThat(lines.get(lines.size() - 1)).isEqualTo("-----END AGE ENCRYPTED FILE-----");
      assertThat(armored).endsWith("\n").doesNotContain("\r");
      List<String> body = lines.subList(1, lines.size() - 1);
      assertThat(body).allMatch(line -> line.length() <= 64 && !line.isEmpty());
      assertThat(body.subList(0, body.size() - 1)).allMatch(line -> line.length() == 64);
      byte[] binary = Base64.getDecoder().decode(String.join("", body));
      assertThat(new String(binary, 0, 22, StandardCharsets.US_ASCII))
          .isEqualTo("age-encryption.org/v1\n");
    }
  }

  @Test
  void encryptsAndDecryptsAKey() {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      String armored = Age.encrypt(KEY, List.of(identity.recipient()));

      assertThat(armored).doesNotContain(new String(KEY, StandardCharsets.US_ASCII));
      assertThat(Age.decrypt(armored, identity)).isEqualTo(KEY);
    }
  }

  @Test
  void eachOfSeveralRecipientsCanDecryptAndDuplicatesAreWrittenOnce() {
    try (AgeIdentity a = AgeIdentity.generate();
        AgeIdentity b = AgeIdentity.generate()) {
      String armored = Age.encrypt(KEY, List.of(a.recipient(), b.recipient(), a.recipient()));

      assertThat(Age.decrypt(armored, a)).isEqualTo(KEY);
      assertThat(Age.decrypt(armored, b)).isEqualTo(KEY);
      String header = headerOf(armored);
      assertThat(header.split("-> X25519 ", -1)).hasSize(3);
    }
  }

  @Test
  void decryptingWithAnIdentityThatIsNotARecipientFailsNamingTheIdentitysRecipient() {
    try (AgeIdentity recipient = AgeIdentity.generate();
        AgeIdentity stranger = AgeIdentity.generate()) {
      String armored = Age.encrypt(KEY, List.of(recipient.recipient()));
      String strangerSecret = secretLine(stranger);

      assertThatThrownBy(() -> Age.decrypt(armored, stranger))
          .isInstanceOfSatisfying(
              CryptoException.class,
              e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.NO_MATCHING_IDENTITY))
          .hasMessageContaining(stranger.recipient().value())
          .hasMessageNotContaining(strangerSecret);
    }
  }

  @Test
  void aTamperedPayloadDoesNotDecrypt() {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      String armored = Age.encrypt(KEY, List.of(identity.recipient()));
      List<String> lines = armored.lines().toList();
      String body = String.join("", lines.subList(1, lines.size() - 1));
      byte[] binary = Base64.getDecoder().decode(body);
      binary[binary.length - 1] ^= 1;
      String tampered = rearmor(binary);

      assertThatThrownBy(() -> Age.decrypt(tampered, identity))
          .isInstanceOfSatisfying(
              CryptoException.class,
              e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.MALFORMED_CIPHERTEXT));
    }
  }

  @Test
  void textThatIsNotArmoredAgeIsRefusedWithAHint() {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      assertThatThrownBy(() -> Age.decrypt("age-encryption.org/v1\n-> X25519 abc\n", identity))
          .isInstanceOf(CryptoException.class)
          .hasMessageContaining("age -a");
      assertThatThrownBy(() -> Age.decrypt("", identity)).isInstanceOf(CryptoException.class);
      assertThatThrownBy(
              () -> Age.decrypt(Age.ARMOR_HEADER + "\n!!!!\n" + Age.ARMOR_FOOTER + "\n", identity))
          .isInstanceOfSatisfying(
              CryptoException.class,
              e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.MALFORMED_CIPHERTEXT));
    }
  }

  @Test
  void encryptingToNobodyIsRefused() {
    assertThatThrownBy(() -> Age.encrypt(KEY, List.of()))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining("at least one recipient");
  }

  @Test
  void recipientsAreValidatedWithErrorsThatSayWhatIsWrong() {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      String good = identity.recipient().value();
      String typo =
          good.substring(0, 10) + (good.charAt(10) == 'q' ? 'p' : 'q') + good.substring(11);

      assertThat(AgeRecipient.parse("  " + good + "\n").value()).isEqualTo(good);
      assertInvalidRecipient(typo, "checksum");
      assertInvalidRecipient(good.toUpperCase(), "lowercase");
      assertInvalidRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", "SSH recipients");
      assertInvalidRecipient("npub1abc", "does not start with 'age1'");
      assertInvalidRecipient("", "nothing was given");
      assertInvalidRecipient(good.substring(0, good.length() - 8), "Bech32");
    }
  }

  @Test
  void aSecretIdentityGivenAsARecipientIsRefusedWithoutEchoingIt() {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      String secret = secretLine(identity);

      assertThatThrownBy(() -> AgeRecipient.parse(secret))
          .isInstanceOf(CryptoException.class)
          .hasMessageContaining("secret identity")
          .hasMessageNotContaining(secret.substring(16, 30));
    }
  }

  @Test
  void identitiesAreValidatedWithoutEverQuotingTheSecret() {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      String secret = secretLine(identity);
      String typo =
          secret.substring(0, 30) + (secret.charAt(30) == 'Q' ? 'P' : 'Q') + secret.substring(31);

      assertThatThrownBy(() -> AgeIdentity.parse(typo))
          .isInstanceOfSatisfying(
              CryptoException.class,
              e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.INVALID_IDENTITY))
          .hasMessageContaining("Bech32")
          .hasMessageNotContaining(typo.substring(16, 40))
          .hasNoCause();
      assertThatThrownBy(() -> AgeIdentity.parse(identity.recipient().value()))
          .hasMessageContaining("this is a recipient");
      assertThatThrownBy(() -> AgeIdentity.parse(secret.toLowerCase()))
          .hasMessageContaining("uppercase");
    }
  }

  @Test
  void anIdentityFileWithCommentsAndSeveralIdentitiesIsRead() {
    try (AgeIdentity a = AgeIdentity.generate();
        AgeIdentity b = AgeIdentity.generate()) {
      String file =
          "# created: 2024-01-01T00:00:00Z\r\n"
              + a.revealIdentityFile()
              + "\n"
              + b.revealIdentityFile();

      List<AgeIdentity> parsed = AgeIdentity.parseIdentityFile(file);

      assertThat(parsed)
          .extracting(AgeIdentity::recipient)
          .containsExactly(a.recipient(), b.recipient());
      parsed.forEach(AgeIdentity::close);
    }
  }

  @Test
  void anIdentityFileWithABadLineNamesTheLineButNotItsContent() {
    String file = "# public key: age1xyz\n\nAGE-SECRET-KEY-1NOTVALID\n";

    assertThatThrownBy(() -> AgeIdentity.parseIdentityFile(file))
        .hasMessageContaining("line 3")
        .hasMessageNotContaining("NOTVALID");
    assertThatThrownBy(() -> AgeIdentity.parseIdentityFile("# only a comment\n"))
        .hasMessageContaining("no AGE-SECRET-KEY-1");
  }

  @Test
  void anIdentityShowsItsRecipientButNeverItsSecretAndZeroesItOnClose() {
    AgeIdentity identity = AgeIdentity.generate();
    String secret = secretLine(identity);
    char[] buffer = identity.secretBuffer();

    assertThat(secret).startsWith("AGE-SECRET-KEY-1").hasSize(74);
    assertThat(identity.toString())
        .contains(identity.recipient().value())
        .doesNotContain(secret)
        .doesNotContain(secret.substring(16));
    assertThat(new String(buffer)).isEqualTo(secret);

    identity.close();

    assertThat(buffer).containsOnly('\0');
    assertThatThrownBy(identity::revealIdentityFile).isInstanceOf(IllegalStateException.class);
  }

  private static void assertInvalidRecipient(String value, String expected) {
    assertThatThrownBy(() -> AgeRecipient.parse(value))
        .isInstanceOfSatisfying(
            CryptoException.class,
            e -> assertThat(e.reason()).isEqualTo(CryptoException.Reason.INVALID_RECIPIENT))
        .hasMessageContaining(expected);
  }

  private static String secretLine(AgeIdentity identity) {
    return identity
        .revealIdentityFile()
        .lines()
        .filter(l -> l.startsWith("AGE-SECRET-KEY-1"))
        .findFirst()
        .orElseThrow();
  }

  private static String headerOf(String armored) {
    List<String> lines = armored.lines().toList();
    byte[] binary = Base64.getDecoder().decode(String.join("", lines.subList(1, lines.size() - 1)));
    String text = new String(binary, StandardCharsets.ISO_8859_1);
    return text.substring(0, text.indexOf("\n---"));
  }

  private static String rearmor(byte[] binary) {
    String base64 = Base64.getEncoder().encodeToString(binary);
    StringBuilder out = new StringBuilder(Age.ARMOR_HEADER).append('\n');
    for (int i = 0; i < base64.length(); i += 64) {
      out.append(base64, i, Math.min(base64.length(), i + 64)).append('\n');
    }
    return out.append(Age.ARMOR_FOOTER).append('\n').toString();
  }
}
