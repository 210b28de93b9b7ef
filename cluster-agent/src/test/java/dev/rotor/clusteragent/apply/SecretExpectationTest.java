package dev.rotor.clusteragent.apply;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.event.Phase;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretExpectationTest {
  /** The published example keys of docs/keyring.md (old primary 99f59ac9, new key 76960b5f). */
  private static final String OLD = "LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=";

  private static final String NEW = "eI2FAOoSSWZV2mUxj1NCMlCIt2AI+bm7FngBdkYNmNA=";
  private static final String NEW_FINGERPRINT = Fingerprints.ofBase64(NEW);
  private static final String NEW_ID = NEW_FINGERPRINT.substring(0, 8);
  private static final String OLD_ID = Fingerprints.keyIdOfBase64(OLD);

  @Test
  void distributeNeedsTheNewKeyWithItsFingerprint() {
    SecretExpectation expectation =
        new SecretExpectation(Phase.DISTRIBUTE, NEW_FINGERPRINT, Map.of(), null);

    assertThat(expectation.isMetBy(secret(OLD_ID, Map.of(OLD_ID, OLD)))).isFalse();
    assertThat(expectation.isMetBy(secret(OLD_ID, Map.of(OLD_ID, OLD, NEW_ID, OLD))))
        .as("wrong value")
        .isFalse();
    assertThat(expectation.isMetBy(secret(OLD_ID, Map.of(OLD_ID, OLD, NEW_ID, NEW)))).isTrue();
    assertThat(expectation.isMetBy(null)).isFalse();
  }

  @Test
  void promoteNeedsTheNewKeyAsPrimaryAndRollbackAnyOtherPrimaryTheSecretHolds() {
    SecretExpectation promote =
        new SecretExpectation(Phase.PROMOTE, NEW_FINGERPRINT, Map.of(), null);
    SecretExpectation rollback =
        new SecretExpectation(Phase.ROLLBACK, NEW_FINGERPRINT, Map.of(), null);
    SecretObservation promoted = secret(NEW_ID, Map.of(OLD_ID, OLD, NEW_ID, NEW));
    SecretObservation rolledBack = secret(OLD_ID, Map.of(OLD_ID, OLD, NEW_ID, NEW));

    assertThat(promote.isMetBy(promoted)).isTrue();
    assertThat(promote.isMetBy(rolledBack)).isFalse();
    assertThat(rollback.isMetBy(rolledBack)).isTrue();
    assertThat(rollback.isMetBy(promoted)).isFalse();
  }

  @Test
  void aSealedSecretCountsOnlyOnceItsControllerProcessedTheAppliedGeneration() {
    SecretExpectation expectation =
        new SecretExpectation(Phase.DISTRIBUTE, NEW_FINGERPRINT, Map.of(), 4L);
    SecretObservation secret = secret(OLD_ID, Map.of(OLD_ID, OLD, NEW_ID, NEW));

    assertThat(expectation.isMetBy(secret.withSealedStatus(3L, true, null))).isFalse();
    assertThat(expectation.isMetBy(secret.withSealedStatus(4L, false, "no key could decrypt")))
        .isFalse();
    assertThat(expectation.isMetBy(secret.withSealedStatus(4L, true, null))).isTrue();
    assertThat(expectation.isMetBy(secret)).as("a controller that reports no status").isTrue();
  }

  @Test
  void anObservationKeepsDigestsNeverValues() {
    SecretObservation observed = secret(OLD_ID, Map.of(OLD_ID, OLD));

    assertThat(observed.toString()).doesNotContain(OLD);
    assertThat(observed.fingerprintOf(OLD_ID)).isEqualTo(Fingerprints.ofBase64(OLD));
    assertThat(observed.primaryKeyId()).isEqualTo(OLD_ID);
  }

  private static SecretObservation secret(String primary, Map<String, String> keys) {
    Map<String, String> data = new java.util.HashMap<>();
    data.put("keyring.primary", Base64.getEncoder().encodeToString(primary.getBytes(US_ASCII)));
    keys.forEach((id, value) -> data.put("keyring.key." + id, value));
    data.put("unrelated", "eA==");
    return SecretObservation.of(data);
  }
}
