package dev.rotor.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When rotorctl ledger proof says an entry is proved (exit 0), and when it does not (exit 1). */
class LedgerProofVerdictTest {

  @Test
  void anEntryIncludedInTheSignedCheckpointOfTheAskedEventVerifies() {
    assertThat(
            LedgerProofCommand.problems(
                true, true, true, true, "evt-1", "evt-1", "evt-1", null, 7, null, null))
        .isEmpty();
    assertThat(
            LedgerProofCommand.problems(
                true, true, true, true, null, "evt-1", "evt-1", 7L, 7, null, null))
        .isEmpty();
  }

  @Test
  void aProofAgainstTheLedgersUnsignedCurrentRootDoesNotVerify() {
    assertThat(
            LedgerProofCommand.problems(
                true, false, true, true, "evt-1", "evt-1", "evt-1", null, 7, null, null))
        .containsExactly(
            "the entry is newer than the latest signed checkpoint; the ledger's current root is"
                + " not signed");
  }

  @Test
  void aCheckpointWithAnInvalidSignatureDoesNotVerify() {
    assertThat(
            LedgerProofCommand.problems(
                true, true, false, true, "evt-1", "evt-1", "evt-1", null, 7, null, null))
        .containsExactly("the checkpoint's signature is not valid for the trusted key");
  }

  @Test
  void aLeafHashThatIsNotTheHashOfTheEntrysBytesDoesNotVerify() {
    assertThat(
            LedgerProofCommand.problems(
                true, true, true, false, "evt-1", "evt-1", "evt-1", null, 7, null, null))
        .containsExactly(
            "the proof's leafHash is not the hash of entry 7's bytes: the proof is for another"
                + " entry");
  }

  @Test
  void anEntryWhoseBytesAreAnotherEventDoesNotVerifyWhateverTheLedgerLabelledIt() {
    assertThat(
            LedgerProofCommand.problems(
                true, true, true, true, "evt-1", "evt-2", "evt-1", null, 7, null, null))
        .containsExactly(
            "the proof is for event evt-2 (entry 7's bytes), not evt-1; the ledger labelled it"
                + " evt-1");
  }

  @Test
  void aProofOfAnotherEntryDoesNotVerify() {
    assertThat(
            LedgerProofCommand.problems(
                true, true, true, true, "evt-1", "evt-2", "evt-2", null, 7, null, null))
        .containsExactly("the proof is for event evt-2 (entry 7's bytes), not evt-1");
    assertThat(
            LedgerProofCommand.problems(
                true, true, true, true, null, "evt-2", "evt-2", 3L, 7, null, null))
        .containsExactly("the proof is for entry 7, not 3");
  }
}
