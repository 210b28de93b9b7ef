package dev.rotor.examples.secrets.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.examples.load.LoadReport;
import dev.rotor.examples.secrets.rollout.Fleet.Keyring;
import dev.rotor.testsupport.SecretsServiceProcess;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The runbook's single replace (the new key only, in one rollout) under the same load: what the two
 * phases avoid. During the rollout old pods cannot read what new pods write, new pods cannot read
 * what old pods wrote, and afterwards every payload written before is lost.
 */
class SingleReplaceIT extends RolloutScenario {

  @Test
  void replacingTheKeyOutrightMakesPodsFailToDecryptWhatOthersWroteAndLosesOldPayloads()
      throws Exception {
    fleet.startAll(PODS, Keyring.of("old", oldKey));
    List<SecretsServiceProcess> oldPods = fleet.running();
    startLoad();
    Fleet.awaitWrites(load, WRITES_PER_STEP);
    print("before", load.report());

    fleet.rollTo(Keyring.of("new-only", newKey), load, WRITES_PER_STEP);
    LoadReport total = load.stop();
    print("after single replace", total);
    LoadReport readBack = load.readBack(written());
    print("read back", readBack);

    assertThat(total.decryptFailures()).isPositive();
    assertThat(total.failedKeyIds()).contains(oldKey.keyId(), newKey.keyId());
    assertThat(total.wrongPlaintexts()).isZero();
    assertThat(readBack.decryptFailures()).isEqualTo(writtenWith(oldKey)).isPositive();
    assertThat(readBack.failedKeyIds()).containsExactly(oldKey.keyId());
    assertThat(readBack.readsOk()).isEqualTo(writtenWith(newKey));
    // Old pods named the new key they do not have; new pods named the old key.
    assertThat(oldPods)
        .anySatisfy(
            pod ->
                assertThat(pod.logLines("SECRETS-0100 decrypt failed"))
                    .anyMatch(line -> line.contains("key id " + newKey.keyId())));
    List<SecretsServiceProcess> newPods = fleet.running();
    assertThat(newPods)
        .allSatisfy(
            pod ->
                assertThat(pod.logLines("SECRETS-0100 decrypt failed"))
                    .isNotEmpty()
                    .allMatch(line -> line.contains("key id " + oldKey.keyId())));
    assertThat(newPods.get(0).get("/q/metrics"))
        .containsPattern(
            "secrets_decrypt_failures_total\\{key_id=\""
                + oldKey.keyId()
                + "\"\\} [1-9][0-9]*\\.0");
  }
}
