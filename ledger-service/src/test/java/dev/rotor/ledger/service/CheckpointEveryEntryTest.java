package dev.rotor.ledger.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.ledger.support.Api;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint every entry: the checkpoints' own entries (read back from rotor.ledger) do not count
 * towards the next one, so one event gives one checkpoint, not an endless chain of them.
 */
@QuarkusTest
@TestProfile(CheckpointEveryEntryTest.EveryEntry.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class CheckpointEveryEntryTest {
  /** The test profile with a checkpoint every entry and no interval checkpoints. */
  public static class EveryEntry implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> config = new HashMap<>(new LedgerTestProfile().getConfigOverrides());
      config.put("rotor.ledger.checkpoint.every-entries", "1");
      config.put("rotor.ledger.checkpoint.interval", "1h");
      return config;
    }
  }

  @Test
  void oneEventGivesOneCheckpointWhoseOwnEntryCallsForNoOther() {
    RotationEvents.Sent due = RotationEvents.rejected("every-entry").due();
    LedgerIngestTest.produce(List.of(due));
    LedgerIngestTest.awaitEntry(due.event().id());

    // The checkpoint's own entry comes back from rotor.ledger: the log then holds two entries.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Api.get("/ledger/checkpoints?limit=500").size() >= 1);
    await().atMost(Duration.ofSeconds(60)).until(() -> Api.verify().get("treeSize").asLong() >= 2);

    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(20))
        .until(() -> Api.get("/ledger/checkpoints?limit=500").size() == 1);
    assertThat(Api.verify().get("treeSize").asLong()).isEqualTo(2);
  }
}
