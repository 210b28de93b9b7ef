package dev.rotor.ledger.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.ledger.support.Api;
import dev.rotor.ledger.support.Consumption;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away mid-stream: ingest stops without committing offsets, readiness goes DOWN,
 * and once the database is back ingest resumes where it stopped, with no entry lost or duplicated.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class DatabaseOutageTest {

  @Test
  void whenTheDatabaseStopsMidStreamNothingIsLostOrDuplicatedAndIngestResumes() {
    RotationEvents before = RotationEvents.completed("outage-before");
    RotationEvents during = RotationEvents.completed("outage-during");
    LedgerIngestTest.produce(before.events());
    LedgerIngestTest.awaitRecord(before, "COMPLETED");

    PostgresServer.stop();
    try {
      LedgerIngestTest.produce(during.events());
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                Response ready = given().when().get("/q/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                JsonNode ingest = check(Api.json(ready.asString()), "ledger-ingest");
                assertThat(ingest.get("status").asText()).isEqualTo("DOWN");
                assertThat(ingest.get("data").get("problem").asText()).contains("database");
              });
    } finally {
      PostgresServer.start();
    }

    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(() -> given().when().get("/q/health/ready").then().statusCode(200));
    LedgerIngestTest.awaitRecord(during, "COMPLETED");
    Consumption.awaitAllCommitted(Duration.ofSeconds(60));

    for (RotationEvents rotation : List.of(before, during)) {
      JsonNode timeline = Api.get("/ledger/rotations/" + rotation.rotationId + "/timeline");
      List<String> ids = new ArrayList<>();
      timeline.get("entries").forEach(e -> ids.add(e.get("eventId").asText()));
      assertThat(ids)
          .containsExactlyInAnyOrderElementsOf(
              rotation.events().stream().map(s -> s.event().id()).toList());
    }
    JsonNode report = Api.verify();
    assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
  }

  private static JsonNode check(JsonNode health, String name) {
    for (JsonNode check : health.get("checks")) {
      if (check.get("name").asText().equals(name)) {
        return check;
      }
    }
    throw new AssertionError("no check " + name + " in " + health);
  }
}
