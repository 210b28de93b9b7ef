package dev.rotor.common.keyring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.api.ThrowableAssertAlternative;
import org.junit.jupiter.api.Test;

class KeyringStateTest {
  private static final String A = "aaaaaaa1";
  private static final String B = "bbbbbbb2";
  private static final String C = "ccccccc3";
  private static final String D = "ddddddd4";
  private static final String E = "eeeeeee5";

  @Test
  void distributeAddsTheNewKeyAsNewestDecryptOnlyKeyAndKeepsThePrimary() {
    KeyringUpdate update = KeyringState.initial(A).distribute(B);

    assertThat(update.state().primaryKeyId()).isEqualTo(A);
    assertThat(update.state().keyIds()).containsExactly(B, A);
    assertThat(update.state().decryptOnlyKeyIds()).containsExactly(B);
    assertThat(update.added()).containsExactly("keyring.key." + B);
    assertThat(update.changed()).isEmpty();
    assertThat(update.removed()).isEmpty();
  }

  @Test
  void promoteMakesTheNewKeyPrimaryAndKeepsTheOldPrimaryDecryptOnly() {
    KeyringState distributed = KeyringState.initial(A).distribute(B).state();

    KeyringUpdate update = distributed.promote(B, 1);

    assertThat(update.state().primaryKeyId()).isEqualTo(B);
    assertThat(update.state().keyIds()).containsExactly(B, A);
    assertThat(update.state().decryptOnlyKeyIds()).containsExactly(A);
    assertThat(update.added()).isEmpty();
    assertThat(update.changed()).containsExactly("keyring.primary");
    assertThat(update.removed()).isEmpty();
  }

  @Test
  void promoteDropsTheOldestDecryptOnlyKeysBeyondTheConfiguredDepth() {
    KeyringState state = new KeyringState(B, List.of(D, C, B, A)).distribute(E).state();
    assertThat(state.keyIds()).containsExactly(E, D, C, B, A);

    KeyringUpdate keepTwo = state.promote(E, 2);
    KeyringUpdate keepOne = state.promote(E, 1);
    KeyringUpdate keepAll = state.promote(E, 16);

    assertThat(keepTwo.state().keyIds()).containsExactly(E, D, B);
    assertThat(keepTwo.removed()).containsExactly("keyring.key." + A, "keyring.key." + C);
    assertThat(keepOne.state().keyIds()).containsExactly(E, B);
    assertThat(keepOne.removed())
        .containsExactly("keyring.key." + A, "keyring.key." + C, "keyring.key." + D);
    assertThat(keepAll.state().keyIds()).containsExactly(E, D, C, B, A);
    assertThat(keepAll.removed()).isEmpty();
  }

  @Test
  void promoteAlwaysKeepsTheJustDemotedPrimaryEvenWhenNewerKeysExist() {
    // C was rolled back earlier and stayed decrypt-only: it is newer than the primary B.
    KeyringState state = new KeyringState(B, List.of(C, B, A)).distribute(D).state();

    KeyringUpdate update = state.promote(D, 1);

    assertThat(update.state().primaryKeyId()).isEqualTo(D);
    assertThat(update.state().keyIds()).containsExactly(D, B);
    assertThat(update.removed()).containsExactly("keyring.key." + A, "keyring.key." + C);
  }

  @Test
  void rollbackAfterPromotionRestoresTheOldPrimaryAndKeepsTheNewKeyDecryptOnly() {
    KeyringState promoted = KeyringState.initial(A).distribute(B).state().promote(B, 1).state();

    KeyringUpdate update = promoted.rollback(A, B);

    assertThat(update.state().primaryKeyId()).isEqualTo(A);
    assertThat(update.state().keyIds()).containsExactly(B, A);
    assertThat(update.state().decryptOnlyKeyIds()).containsExactly(B);
    assertThat(update.changed()).containsExactly("keyring.primary");
    assertThat(update.added()).isEmpty();
    assertThat(update.removed()).isEmpty();
  }

  @Test
  void rollbackAfterDistributeAloneChangesNothing() {
    KeyringState distributed = KeyringState.initial(A).distribute(B).state();

    KeyringUpdate update = distributed.rollback(A, B);

    assertThat(update.isEmpty()).isTrue();
    assertThat(update.state()).isEqualTo(distributed);
  }

  @Test
  void withdrawingAKeyThatNeverReachedASecretRestoresTheOldPrimaryAndRemovesTheNewKey() {
    KeyringState promoted = KeyringState.initial(A).distribute(B).state().promote(B, 1).state();

    KeyringUpdate update = promoted.withdraw(A, B);

    assertThat(update.state()).isEqualTo(KeyringState.initial(A));
    assertThat(update.changed()).containsExactly("keyring.primary");
    assertThat(update.removed()).containsExactly("keyring.key." + B);
    assertThat(update.added()).isEmpty();
    assertKeyringError(() -> promoted.withdraw(C, B), KeyringException.Reason.NOT_IN_KEYRING);
  }

  @Test
  void aSequenceOfRotationsWithARollbackKeepsEveryKeyThatMayHaveWrittenData() {
    KeyringState state = KeyringState.initial(A);
    state = state.distribute(B).state().promote(B, 2).state(); // rotation 1
    state = state.distribute(C).state().promote(C, 2).state(); // rotation 2
    assertThat(state.keyIds()).containsExactly(C, B, A);

    state = state.distribute(D).state().promote(D, 2).state(); // rotation 3 ...
    assertThat(state.keyIds()).containsExactly(D, C, B);
    state = state.rollback(C, D).state(); // ... rolled back
    assertThat(state.primaryKeyId()).isEqualTo(C);
    assertThat(state.keyIds()).containsExactly(D, C, B);

    KeyringUpdate rotation4 = state.distribute(E).state().promote(E, 2);
    assertThat(rotation4.state().keyIds()).containsExactly(E, D, C);
    assertThat(rotation4.removed()).containsExactly("keyring.key." + B);
  }

  @Test
  void promotingAKeyThatWasNeverDistributedFailsNamingIt() {
    assertKeyringError(
            () -> KeyringState.initial(A).promote(B, 1), KeyringException.Reason.NOT_DISTRIBUTED)
        .withMessageContaining("cannot promote key " + B)
        .withMessageContaining("never distributed")
        .withMessageContaining(A);
  }

  @Test
  void promotingThePrimaryFails() {
    assertKeyringError(
            () -> KeyringState.initial(A).distribute(B).state().promote(A, 1),
            KeyringException.Reason.ALREADY_PRIMARY)
        .withMessageContaining("already the primary");
  }

  @Test
  void promotingWithoutKeepingAnyPreviousKeyIsRefused() {
    KeyringState distributed = KeyringState.initial(A).distribute(B).state();

    assertKeyringError(() -> distributed.promote(B, 0), KeyringException.Reason.INVALID_DEPTH)
        .withMessageContaining("previousKeys: 0");
  }

  @Test
  void distributingAKeyAlreadyInTheRingFails() {
    KeyringState distributed = KeyringState.initial(A).distribute(B).state();

    assertKeyringError(() -> distributed.distribute(B), KeyringException.Reason.ALREADY_IN_KEYRING)
        .withMessageContaining("already in the keyring as decrypt-only");
    assertKeyringError(() -> distributed.distribute(A), KeyringException.Reason.ALREADY_IN_KEYRING)
        .withMessageContaining("as primary");
  }

  @Test
  void rollbackWhenThePrimaryIsNeitherKeyFails() {
    KeyringState state = new KeyringState(C, List.of(C, B, A));

    assertKeyringError(() -> state.rollback(A, B), KeyringException.Reason.PRIMARY_CHANGED)
        .withMessageContaining("the primary is " + C);
  }

  @Test
  void rollbackToAKeyNoLongerInTheRingFails() {
    KeyringState state = new KeyringState(B, List.of(B, C));

    assertKeyringError(() -> state.rollback(A, B), KeyringException.Reason.NOT_IN_KEYRING)
        .withMessageContaining("cannot roll back to key " + A);
    assertKeyringError(() -> state.rollback(C, D), KeyringException.Reason.NOT_DISTRIBUTED);
  }

  @Test
  void keyIdsMustBeEightLowercaseHexCharactersAndAreNeverEchoed() {
    String base64Key = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=";

    assertKeyringError(
            () -> KeyringState.initial(A).distribute(base64Key),
            KeyringException.Reason.INVALID_KEY_ID)
        .withMessageContaining("newKeyId: not a key id")
        .withMessageContaining("44 characters")
        .withMessageNotContaining("Llzoo");
    assertKeyringError(
            () -> KeyringState.initial("AAAAAAA1"), KeyringException.Reason.INVALID_KEY_ID)
        .withMessageContaining("uppercase");
  }

  @Test
  void aStateNeedsItsPrimaryAmongDistinctKeys() {
    assertKeyringError(
            () -> new KeyringState(A, List.of(B)), KeyringException.Reason.INVALID_LAYOUT)
        .withMessageContaining("not one of the keys");
    assertKeyringError(
            () -> new KeyringState(A, List.of(A, B, A)), KeyringException.Reason.INVALID_LAYOUT)
        .withMessageContaining("listed twice");
    assertKeyringError(
        () -> new KeyringState(A, List.of()), KeyringException.Reason.INVALID_LAYOUT);
  }

  @Test
  void theStateIsReadFromASecretsDataKeysInManifestOrderIgnoringOtherEntries() {
    KeyringState state =
        KeyringState.fromSecretLayout(
            B + "\n",
            List.of(
                "keyring.primary",
                "keyring.key." + C,
                "keyring.key." + B,
                "unrelated.setting",
                "keyring.key." + A));

    assertThat(state.primaryKeyId()).isEqualTo(B);
    assertThat(state.keyIds()).containsExactly(C, B, A);
    assertThat(state.dataKeys())
        .containsExactly(
            "keyring.key." + A, "keyring.key." + B, "keyring.key." + C, "keyring.primary");
  }

  @Test
  void aSecretLayoutWithAProblemIsRefusedNamingTheEntry() {
    assertKeyringError(
            () -> KeyringState.fromSecretLayout(A, List.of("keyring.key." + B)),
            KeyringException.Reason.INVALID_LAYOUT)
        .withMessageContaining(
            "keyring.primary names " + A + " but the Secret has no keyring.key." + A);
    assertKeyringError(
            () -> KeyringState.fromSecretLayout(A, List.of("keyring.key." + A, "keyring.key.XYZ")),
            KeyringException.Reason.INVALID_LAYOUT)
        .withMessageContaining("'keyring.key.XYZ'");
    assertKeyringError(
            () -> KeyringState.fromSecretLayout(null, List.of("keyring.key." + A)),
            KeyringException.Reason.INVALID_LAYOUT)
        .withMessageContaining("keyring.primary: missing");
    assertKeyringError(
            () -> KeyringState.fromSecretLayout("primary", List.of("keyring.key." + A)),
            KeyringException.Reason.INVALID_LAYOUT)
        .withMessageContaining("not a key id");
  }

  private static ThrowableAssertAlternative<KeyringException> assertKeyringError(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, KeyringException.Reason reason) {
    return org.assertj.core.api.Assertions.assertThatExceptionOfType(KeyringException.class)
        .isThrownBy(call)
        .satisfies(e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
