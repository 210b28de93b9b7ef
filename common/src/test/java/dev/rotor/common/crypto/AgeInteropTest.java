package dev.rotor.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Rotor's age against Debian's {@code age} CLI, the reference implementation. */
class AgeInteropTest {
  @TempDir Path tmp;

  @BeforeEach
  void requireTheAgeCli() {
    Commands.requireTool(Commands.AGE, "age");
    Commands.requireTool(Commands.AGE_KEYGEN, "age");
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, 32, 44, 47, 48, 49, 65535, 65536, 65537, 200_000})
  void whatRotorEncryptsTheAgeCliDecrypts(int size) throws Exception {
    byte[] plaintext = pattern(size);
    try (AgeIdentity identity = AgeIdentity.generate()) {
      Path identityFile = writeIdentity(identity, "rotor.key");

      String armored = Age.encrypt(plaintext, List.of(identity.recipient()));
      byte[] decrypted = ageDecrypt(armored, identityFile);

      assertThat(decrypted).isEqualTo(plaintext);
    }
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, 32, 44, 47, 48, 49, 65535, 65536, 65537, 200_000})
  void whatTheAgeCliEncryptsWithArmorRotorDecrypts(int size) throws Exception {
    byte[] plaintext = pattern(size);
    try (AgeIdentity identity = AgeIdentity.generate()) {
      String armored =
          Commands.runText(
              List.of("age", "-a", "-r", identity.recipient().value()), plaintext, tmp);
      assertThat(armored).startsWith(Age.ARMOR_HEADER);

      assertThat(Age.decrypt(armored, identity)).isEqualTo(plaintext);
    }
  }

  @Test
  void anIdentityMadeByAgeKeygenWorksInRotorAndHasTheSameRecipient() throws Exception {
    Path identityFile = tmp.resolve("keygen.key");
    Commands.runText(List.of("age-keygen", "-o", identityFile.toString()), null, tmp);
    String recipient =
        Commands.runText(List.of("age-keygen", "-y", identityFile.toString()), null, tmp).strip();
    byte[] key = pattern(32);

    List<AgeIdentity> identities = AgeIdentity.parseIdentityFile(Files.readString(identityFile));
    try (AgeIdentity identity = identities.get(0)) {
      assertThat(identities).hasSize(1);
      assertThat(identity.recipient().value()).isEqualTo(recipient);

      String sealedByRotor = Age.encrypt(key, List.of(AgeRecipient.parse(recipient)));
      assertThat(ageDecrypt(sealedByRotor, identityFile)).isEqualTo(key);

      String sealedByCli = Commands.runText(List.of("age", "-a", "-r", recipient), key, tmp);
      assertThat(Age.decrypt(sealedByCli, identity)).isEqualTo(key);
    }
  }

  @Test
  void anIdentityMadeByRotorHasTheRecipientThatAgeKeygenDerivesFromIt() throws Exception {
    try (AgeIdentity identity = AgeIdentity.generate()) {
      Path identityFile = writeIdentity(identity, "rotor.key");

      String derived =
          Commands.runText(List.of("age-keygen", "-y", identityFile.toString()), null, tmp);

      assertThat(derived.strip()).isEqualTo(identity.recipient().value());
    }
  }

  @Test
  void aFileRotorSealsToSeveralRecipientsOpensInTheCliWithEachIdentity() throws Exception {
    byte[] key = pattern(44);
    Path keygenFile = tmp.resolve("security-team.key");
    Commands.runText(List.of("age-keygen", "-o", keygenFile.toString()), null, tmp);
    String keygenRecipient =
        Commands.runText(List.of("age-keygen", "-y", keygenFile.toString()), null, tmp).strip();
    try (AgeIdentity rotor = AgeIdentity.generate()) {
      Path rotorFile = writeIdentity(rotor, "rotor.key");

      String armored =
          Age.encrypt(key, List.of(rotor.recipient(), AgeRecipient.parse(keygenRecipient)));

      assertThat(ageDecrypt(armored, rotorFile)).isEqualTo(key);
      assertThat(ageDecrypt(armored, keygenFile)).isEqualTo(key);
    }
  }

  @Test
  void aFileTheCliSealsToSeveralRecipientsOpensInRotorWithEachIdentity() throws Exception {
    byte[] key = pattern(44);
    try (AgeIdentity first = AgeIdentity.generate();
        AgeIdentity second = AgeIdentity.generate();
        AgeIdentity outsider = AgeIdentity.generate()) {

      String armored =
          Commands.runText(
              List.of(
                  "age", "-a", "-r", first.recipient().value(), "-r", second.recipient().value()),
              key,
              tmp);

      assertThat(Age.decrypt(armored, first)).isEqualTo(key);
      assertThat(Age.decrypt(armored, second)).isEqualTo(key);
      assertThat(Age.decrypt(armored, List.of(outsider, second))).isEqualTo(key);
    }
  }

  private Path writeIdentity(AgeIdentity identity, String name) throws Exception {
    Path file = tmp.resolve(name);
    Files.writeString(file, identity.revealIdentityFile(), StandardCharsets.US_ASCII);
    return file;
  }

  private byte[] ageDecrypt(String armored, Path identityFile) throws Exception {
    return Commands.run(
        List.of("age", "-d", "-i", identityFile.toString()),
        armored.getBytes(StandardCharsets.US_ASCII),
        Map.of(),
        tmp);
  }

  private static byte[] pattern(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    return bytes;
  }
}
