package dev.rotor.ledger.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.ledger.support.Api;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The database refuses the data of one event (a data exception, SQLState class 22, that no retry
 * can change): that event goes to the dead-letter topic and every other event, of its batch and
 * after it, is stored; the log verifies.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class UnstorableEventTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @ConfigProperty(name = LedgerDatabaseResource.DATABASE)
  String database;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String url;

  @Test
  void anEventTheDatabaseRefusesIsDeadLetteredAndEveryOtherEventIsStored() throws SQLException {
    RotationEvents rotation = RotationEvents.completed("unstorable");
    RotationEvents after = RotationEvents.completed("after-unstorable");
    RotationEvents.Sent refused = rotation.events().get(3);
    String refusedId = refused.event().id();

    refuseInserts(refusedId, "22P05");
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      RotationEvents.produce(kafka, rotation.events());
      RotationEvents.produce(kafka, after.events());
      LedgerIngestTest.awaitRecord(after, "COMPLETED");

      List<ConsumerRecord<byte[], byte[]>> dead =
          kafka.readUntil(
              "rotor.dlq",
              records ->
                  records.stream()
                      .anyMatch(r -> refusedId.equals(KafkaTestClient.headerValue(r, "ce_id"))),
              TIMEOUT);
      ConsumerRecord<byte[], byte[]> letter =
          dead.stream()
              .filter(r -> refusedId.equals(KafkaTestClient.headerValue(r, "ce_id")))
              .findFirst()
              .orElseThrow();
      assertThat(KafkaTestClient.headerValue(letter, "dead-letter-reason"))
          .isEqualTo("UNSTORABLE data: the database refuses it (SQLState 22P05)");
      assertThat(KafkaTestClient.headerValue(letter, "dead-letter-topic"))
          .isEqualTo(refused.topic());
    } finally {
      allowInserts();
    }

    LedgerIngestTest.awaitRecord(rotation, "COMPLETED");
    JsonNode timeline = Api.get("/ledger/rotations/" + rotation.rotationId + "/timeline");
    List<String> ids = new ArrayList<>();
    timeline.get("entries").forEach(e -> ids.add(e.get("eventId").asText()));
    List<String> expected =
        new ArrayList<>(rotation.events().stream().map(s -> s.event().id()).toList());
    expected.remove(refusedId);
    assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(Api.entry(refusedId)).isNull();
    JsonNode report = Api.verify();
    assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
  }

  @Test
  void aDataErrorThatIsNotAboutTheEventsValuesIsRetriedNotDeadLettered() throws SQLException {
    RotationEvents rotation = RotationEvents.rejected("invalid-parameter");
    RotationEvents.Sent refused = rotation.events().get(0);

    // 22023 (invalid parameter value) is how a bug or a schema change refuses every event alike.
    refuseInserts(refused.event().id(), "22023");
    try {
      LedgerIngestTest.produce(rotation.events());
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> {
                Response ready = given().when().get("/q/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.asString()).contains("SQLState 22023");
              });
      assertThat(Api.entry(refused.event().id())).isNull();
    } finally {
      allowInserts();
    }

    LedgerIngestTest.awaitRecord(rotation, "REJECTED");
    assertThat(Api.entry(refused.event().id())).isNotNull();
    given().when().get("/q/health/ready").then().statusCode(200);
  }

  /** A trigger that refuses the entry of one event id with a data exception {@code sqlState}. */
  private void refuseInserts(String eventId, String sqlState) throws SQLException {
    owner(
        "CREATE FUNCTION ledger.test_refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " IF NEW.event_id = '"
            + eventId
            + "' THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '"
            + sqlState
            + "'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER test_refuse_one BEFORE INSERT ON ledger.entries FOR EACH ROW EXECUTE"
            + " FUNCTION ledger.test_refuse_one()");
  }

  private void allowInserts() throws SQLException {
    owner(
        "DROP TRIGGER IF EXISTS test_refuse_one ON ledger.entries",
        "DROP FUNCTION IF EXISTS ledger.test_refuse_one()");
  }

  private void owner(String... statements) throws SQLException {
    try (Connection owner =
            DriverManager.getConnection(
                url,
                LedgerDatabaseResource.owner(database),
                LedgerDatabaseResource.OWNER_PASSWORD);
        Statement sql = owner.createStatement()) {
      for (String statement : statements) {
        sql.execute(statement);
      }
    }
  }
}
