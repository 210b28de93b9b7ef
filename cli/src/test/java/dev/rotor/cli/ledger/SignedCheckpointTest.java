package dev.rotor.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** C2SP signed-note checkpoints, signed here with the JDK's Ed25519 as the ledger signs them. */
class SignedCheckpointTest {
  private static final String BODY =
      "rotor.example.com/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
          + "time 2026-11-26T06:00:00Z\n";

  static NoteSigner ledger;
  static NoteSigner other;

  @BeforeAll
  static void keys() throws Exception {
    ledger = new NoteSigner("rotor-ledger");
    other = new NoteSigner("rotor-ledger");
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
}
