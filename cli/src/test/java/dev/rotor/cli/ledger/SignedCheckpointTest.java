package dev.rotor.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** C2SP signed-note checkpoints, signed here with the JDK's Ed25519 as the ledger signs them. */
class SignedCheckpointTest {
  private static final String BODY =
      "rotor.example.com/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
          + "time 2026-11-26T06:00:00Z\n";

  static Signer ledger;
  static Signer other;

  @BeforeAll
  static void keys() throws Exception {
    ledger = new Signer("rotor-ledger");
    other = new Signer("rotor-ledger");
  }

  @Test
  void aCheckpointSignedByTheLedgersKeyVerifiesAndReadsBack() {
    SignedCheckpoint checkpoint = SignedCheckpoint.parse(ledger.sign(BODY));

    assertThat(checkpoint.signedBy(ledger.verifierKey())).isTrue();
    assertThat(checkpoint.origin()).isEqualTo("rotor.example.com/ledger");
    assertThat(checkpoint.treeSize()).isEqualTo(42);
    assertThat(checkpoint.rootBase64()).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    assertThat(checkpoint.signers()).containsExactly("rotor-ledger");
  }

  @Test
  void aCheckpointWithAnotherTreeSizeNoLongerVerifies() {
    String forged = ledger.sign(BODY).replaceFirst("\n42\n", "\n41\n");

    assertThat(SignedCheckpoint.parse(forged).signedBy(ledger.verifierKey())).isFalse();
  }

  @Test
  void aCheckpointSignedByAnotherKeyOfTheSameNameDoesNotVerify() {
    assertThat(SignedCheckpoint.parse(other.sign(BODY)).signedBy(ledger.verifierKey())).isFalse();
  }

  @Test
  void aMalformedVerifierKeyIsAnErrorThatSaysWhatIsExpected() {
    SignedCheckpoint checkpoint = SignedCheckpoint.parse(ledger.sign(BODY));

    assertThatThrownBy(() -> checkpoint.signedBy("rotor-ledger"))
        .hasMessage("verifier key: expected <name>+<8 hex key id>+<base64 key>");
    String wrongId = ledger.verifierKey().replaceFirst("\\+[0-9a-f]{8}\\+", "+00000000+");
    assertThatThrownBy(() -> checkpoint.signedBy(wrongId))
        .hasMessage("verifier key: the key id does not match its name and key");
  }

  @Test
  void aNoteWithoutSignaturesIsNotACheckpoint() {
    assertThatThrownBy(() -> SignedCheckpoint.parse(BODY))
        .hasMessageContaining("no blank line before the signatures");
  }

  /** Signs notes as the ledger does: Ed25519 over the text, key id = SHA-256 prefix. */
  static final class Signer {
    private final String name;
    private final KeyPair keys;
    private final byte[] raw;

    Signer(String name) throws Exception {
      this.name = name;
      this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] encoded = keys.getPublic().getEncoded();
      this.raw = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    }

    byte[] keyId() throws Exception {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update((byte) 1);
      sha.update(raw);
      return Arrays.copyOf(sha.digest(), 4);
    }

    String verifierKey() {
      try {
        byte[] typed = new byte[33];
        typed[0] = 1;
        System.arraycopy(raw, 0, typed, 1, 32);
        return name
            + "+"
            + HexFormat.of().formatHex(keyId())
            + "+"
            + Base64.getEncoder().encodeToString(typed);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    String sign(String text) {
      try {
        Signature ed25519 = Signature.getInstance("Ed25519");
        ed25519.initSign(keys.getPrivate());
        ed25519.update(text.getBytes(StandardCharsets.UTF_8));
        byte[] signature = ed25519.sign();
        byte[] line = new byte[68];
        System.arraycopy(keyId(), 0, line, 0, 4);
        System.arraycopy(signature, 0, line, 4, 64);
        return text + "\n\u2014 " + name + " " + Base64.getEncoder().encodeToString(line) + "\n";
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
