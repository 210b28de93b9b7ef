package dev.rotor.examples.secrets.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.examples.load.LoadReport;
import dev.rotor.examples.secrets.rollout.Fleet.Keyring;
import dev.rotor.testsupport.SecretsServiceProcess;
import org.junit.jupiter.api.Test;

/**
 * Rotor's two phases under continuous load, as rolling restarts of three pods: every pod can read
 * what any other pod writes at every moment, so not a single payload fails to decrypt.
 */
class TwoPhaseRotationIT extends RolloutScenario {

  @Test
  void distributingThenPromotingTheNewKeyPodByPodCausesNoDecryptFailure() throws Exception {
    Keyring start = Keyring.of("old", oldKey);
    Keyring distributed = Keyring.of("distributed", oldKey, newKey);
    Keyring promoted = Keyring.of("promoted", newKey, oldKey);
    fleet.startAll(PODS, start);
    startLoad();
    Fleet.awaitWrites(load, WRITES_PER_STEP);
    print("before", load.report());

    fleet.rollTo(distributed, load, WRITES_PER_STEP);
    print("after distribute", load.report());
    fleet.rollTo(promoted, load, WRITES_PER_STEP);
    LoadReport total = load.stop();
    print("after promote", total);
    LoadReport readBack = load.readBack(written());
    print("read back", readBack);

    assertThat(total.decryptFailures()).as(total.failureSamples().toString()).isZero();
    assertThat(total.httpErrors()).as(total.failureSamples().toString()).isZero();
    assertThat(total.transportErrors()).as(total.failureSamples().toString()).isZero();
    assertThat(readBack.reads()).isEqualTo(written().size()).isEqualTo(total.writesOk());
    assertThat(readBack.readsOk())
        .as(readBack.failureSamples().toString())
        .isEqualTo(readBack.reads());
    assertThat(writtenWith(oldKey)).isGreaterThanOrEqualTo(WRITES_PER_STEP);
    assertThat(writtenWith(newKey)).isGreaterThanOrEqualTo(WRITES_PER_STEP);
    assertThat(writtenWith(oldKey) + writtenWith(newKey)).isEqualTo(written().size());
    for (SecretsServiceProcess pod : fleet.everStarted()) {
      Keyring expected =
          pod.name().endsWith("-old")
              ? start
              : pod.name().endsWith("-distributed") ? distributed : promoted;
      assertThat(pod.logLines("encryption self-test passed"))
          .as(pod.name())
          .singleElement()
          .asString()
          .contains("SECRETS-0002 " + expected.selfTestLine());
      assertThat(pod.logLines("SECRETS-0100")).as(pod.name()).isEmpty();
    }
  }

  @Test
  void rollingBackAfterThePromotionKeepsWhatTheNewKeyWroteReadable() throws Exception {
    Keyring promoted = Keyring.of("promoted", newKey, oldKey);
    Keyring rolledBack = Keyring.of("rolled-back", oldKey, newKey);
    fleet.startAll(PODS, promoted);
    startLoad();
    Fleet.awaitWrites(load, WRITES_PER_STEP * 2);
    print("promoted", load.report());

    fleet.rollTo(rolledBack, load, WRITES_PER_STEP);
    LoadReport total = load.stop();
    print("after rollback", total);
    LoadReport readBack = load.readBack(written());
    print("read back", readBack);

    assertThat(total.decryptFailures()).as(total.failureSamples().toString()).isZero();
    assertThat(total.httpErrors()).as(total.failureSamples().toString()).isZero();
    assertThat(total.transportErrors()).as(total.failureSamples().toString()).isZero();
    assertThat(writtenWith(newKey)).isGreaterThanOrEqualTo(WRITES_PER_STEP * 2);
    assertThat(writtenWith(oldKey)).isGreaterThanOrEqualTo(WRITES_PER_STEP);
    assertThat(readBack.reads()).isEqualTo(written().size());
    assertThat(readBack.readsOk())
        .as(readBack.failureSamples().toString())
        .isEqualTo(readBack.reads());
    for (SecretsServiceProcess pod : fleet.running()) {
      assertThat(pod.logLines("encryption self-test passed"))
          .singleElement()
          .asString()
          .contains(rolledBack.selfTestLine());
    }
  }
}
