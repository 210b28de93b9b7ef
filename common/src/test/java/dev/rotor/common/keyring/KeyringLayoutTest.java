package dev.rotor.common.keyring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyringLayoutTest {
  @Test
  void dataKeysAreKeyringPrimaryAndKeyringKeyDotKeyId() {
    assertThat(KeyringLayout.PRIMARY_DATA_KEY).isEqualTo("keyring.primary");
    assertThat(KeyringLayout.dataKeyOf("99f59ac9")).isEqualTo("keyring.key.99f59ac9");
  }

  @Test
  void aKeyDataKeyGivesBackItsKeyIdAndOtherDataKeysGiveNothing() {
    assertThat(KeyringLayout.keyIdOfDataKey("keyring.key.99f59ac9")).contains("99f59ac9");
    assertThat(KeyringLayout.keyIdOfDataKey("keyring.key.99F59AC9")).isEmpty();
    assertThat(KeyringLayout.keyIdOfDataKey("keyring.primary")).isEmpty();
    assertThat(KeyringLayout.keyIdOfDataKey("app.key")).isEmpty();
    assertThat(KeyringLayout.isKeyringDataKey("keyring.primary")).isTrue();
    assertThat(KeyringLayout.isKeyringDataKey("keyring.key.99f59ac9")).isTrue();
    assertThat(KeyringLayout.isKeyringDataKey("keyring.key.nothex00")).isFalse();
  }

  @Test
  void environmentVariablesCarryTheKeyIdInUppercase() {
    assertThat(KeyringLayout.PRIMARY_ENV_VAR).isEqualTo("ROTOR_KEYRING_PRIMARY");
    assertThat(KeyringLayout.envVarOf("99f59ac9")).isEqualTo("ROTOR_KEYRING_KEY_99F59AC9");
  }

  @Test
  void namesAreOnlyMadeForValidKeyIds() {
    assertThatThrownBy(() -> KeyringLayout.dataKeyOf("../etc"))
        .isInstanceOf(KeyringException.class)
        .hasMessageContaining("keyId: not a key id");
  }
}
