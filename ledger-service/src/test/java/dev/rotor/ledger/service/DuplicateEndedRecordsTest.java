package dev.rotor.ledger.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.ledger.store.DuplicateEndRepair;
import dev.rotor.ledger.support.Api;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.LogFile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Records stored before a DUPLICATE rejection stopped ending the rotation whose id it reuses said
 * REJECTED / DUPLICATE for good, and kept the rotation's later completion out. The start-up step
 * folds them again from their entries, so the API tells the truth and a verification's rebuild
 * matches; a rotation whose own request was rejected is left alone.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class DuplicateEndedRecordsTest {
  @ConfigProperty(name = LedgerDatabaseResource.DATABASE)
  String database;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String url;

  @Inject DuplicateEndRepair repair;

  @Test
  void recordsEndedByADuplicateAreFoldedAgainAtStartAndVerifyAgain() throws Exception {
    RotationEvents rotation = RotationEvents.completed("dup-ended");
    RotationEvents refused = RotationEvents.rejected("dup-own-rejection");
    List<RotationEvents.Sent> events = rotation.events();
    List<RotationEvents.Sent> duplicate =
        rotation.duplicateRequest("mallory", events.get(5).event().time().plusSeconds(5));
    List<RotationEvents.Sent> first = new ArrayList<>(events.subList(0, 6));
    first.addAll(duplicate);
    LedgerIngestTest.produce(first);
    LedgerIngestTest.produce(refused.events());
    // Only a duplicate's answer recorded (its rotation's own events are not in the log).
    RotationEvents elsewhere = RotationEvents.completed("dup-alone");
    RotationEvents.Sent lone =
        elsewhere.duplicateRequest("mallory", elsewhere.events().get(0).event().time()).get(1);
    LedgerIngestTest.produce(List.of(lone));
    JsonNode alone = awaitEntries(elsewhere.rotationId, 1);
    assertThat(alone.get("status").asText()).isEqualTo("UNREQUESTED");
    assertThat(alone.get("progress").asText()).isEqualTo("REQUESTED");
    JsonNode inFlight = awaitEntries(rotation.rotationId, 8);
    assertThat(inFlight.get("status").asText()).isEqualTo("ROLLING_OUT");
    assertThat(inFlight.hasNonNull("outcome")).isFalse();
    LedgerIngestTest.awaitRecord(refused, "REJECTED");

    // As the code before stored it: the DUPLICATE answer ended the rotation.
    asApp(
        "UPDATE ledger.rotations SET status = 'REJECTED', record = record"
            + " || jsonb_build_object('status', 'REJECTED', 'endedAt', ?::text,"
            + " 'outcome', 'DUPLICATE', 'outcomeMessage', ?::text) WHERE rotation_id = ?",
        duplicate.get(1).event().time().toString(),
        "rotation id " + rotation.rotationId + " was requested before",
        rotation.rotationId);
    asApp(
        "UPDATE ledger.rotations SET record = record || jsonb_build_object('progress', 'REJECTED',"
            + " 'endedAt', ?::text, 'outcome', 'DUPLICATE', 'outcomeMessage', ?::text)"
            + " WHERE rotation_id = ?",
        lone.event().time().toString(),
        "rotation id " + elsewhere.rotationId + " was requested before",
        elsewhere.rotationId);
    assertThat(Api.get("/ledger/rotations/" + elsewhere.rotationId).get("progress").asText())
        .isEqualTo("REJECTED");
    // ... and folded the rest onto that end: the completion is not recorded.
    LedgerIngestTest.produce(events.subList(6, events.size()));
    JsonNode wrong = awaitEntries(rotation.rotationId, events.size() + 2);
    assertThat(wrong.get("status").asText()).isEqualTo("REJECTED");
    assertThat(wrong.get("outcome").asText()).isEqualTo("DUPLICATE");
    assertThat(wrong.hasNonNull("completedAt")).isFalse();
    assertThat(Api.verify().toString()).contains(rotation.rotationId);

    assertThat(repair.run()).isEqualTo(2);

    JsonNode record = Api.get("/ledger/rotations/" + rotation.rotationId);
    assertThat(record.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(record.hasNonNull("outcome")).isFalse();
    assertThat(record.hasNonNull("outcomeMessage")).isFalse();
    assertThat(record.get("endedAt").asText())
        .isEqualTo(events.get(events.size() - 1).event().time().toString());
    assertThat(record.get("completedAt").asText()).isEqualTo(record.get("endedAt").asText());
    assertThat(record.get("requestedBy").asText()).isEqualTo("alice");
    assertThat(record.get("reason").asText()).isEqualTo("quarterly rotation");
    assertThat(record.get("commit").asText()).isEqualTo("9c1185a5c5e9fc54612808977ee8f548b2258d31");
    assertThat(record.get("verdicts").findValuesAsText("verdict"))
        .containsExactly("PASSED", "PASSED");
    assertThat(record.get("entries").asInt()).isEqualTo(events.size() + 2);
    JsonNode unrequested = Api.get("/ledger/rotations/" + elsewhere.rotationId);
    assertThat(unrequested.get("status").asText()).isEqualTo("UNREQUESTED");
    assertThat(unrequested.get("progress").asText()).isEqualTo("REQUESTED");
    assertThat(unrequested.hasNonNull("outcome")).isFalse();
    assertThat(unrequested.hasNonNull("endedAt")).isFalse();
    JsonNode untouched = Api.get("/ledger/rotations/" + refused.rotationId);
    assertThat(untouched.get("status").asText()).isEqualTo("REJECTED");
    assertThat(untouched.get("outcome").asText()).isEqualTo("UNKNOWN_TARGET");
    String report = Api.verify().toString();
    assertThat(report).doesNotContain(rotation.rotationId);
    assertThat(report).doesNotContain(refused.rotationId);
    assertThat(report).doesNotContain(elsewhere.rotationId);
    assertThat(Files.readString(LogFile.path()))
        .contains("ROTOR-5044 rotation " + rotation.rotationId);

    // Idempotent: nothing left to put right, and the record stays.
    assertThat(repair.run()).isZero();
    assertThat(Api.get("/ledger/rotations/" + rotation.rotationId)).isEqualTo(record);
  }

  private void asApp(String sql, String... values) throws SQLException {
    try (Connection app =
            DriverManager.getConnection(
                url, LedgerDatabaseResource.app(database), LedgerDatabaseResource.APP_PASSWORD);
        PreparedStatement update = app.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        update.setString(i + 1, values[i]);
      }
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
  }

  private static JsonNode awaitEntries(String rotationId, int entries) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                Api.status("/ledger/rotations/" + rotationId) == 200
                    ? Api.get("/ledger/rotations/" + rotationId)
                    : null,
            record -> record != null && record.get("entries").asInt() == entries);
  }
}
