package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.answers;
import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.Scrape;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.PostgresServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PostgreSQL holds the guard: the schema enforces it, and readiness follows the database. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class DatabaseTest {
  private static final String RETRIES = "ft_retry_retries_total";
  private static final String PROCESS =
      "method=\"dev.rotor.keygen.admission.RequestProcessor.process\"";
  private static KafkaTestClient kafka;

  @Inject DataSource dataSource;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void theDatabaseItselfRefusesASecondRotationInFlightForOneTarget() {
    Database database = new Database(dataSource);
    String insert =
        "INSERT INTO rotation (rotation_id, target_id, request_event_id, status, all_stages,"
            + " key_id, fingerprint, created_at) VALUES (?, 'db-guard/app-key', ?, 'IN_FLIGHT',"
            + " true, '0123abcd', '0123abcd"
            + "0".repeat(56)
            + "', now())";
    String first = newRotationId();
    String second = newRotationId();
    try {
      database.update(insert, first, "event-" + first);

      assertThatThrownBy(() -> database.update(insert, second, "event-" + second))
          .hasRootCauseInstanceOf(SQLException.class)
          .rootCause()
          .hasMessageContaining("rotation_one_in_flight_per_target");
    } finally {
      database.update("DELETE FROM rotation WHERE target_id = 'db-guard/app-key'");
    }
  }

  @Test
  void theDatabaseRefusesAnythingButAFingerprintInTheFingerprintColumn() {
    Database database = new Database(dataSource);
    String rotation = newRotationId();

    assertThatThrownBy(
            () ->
                database.update(
                    "INSERT INTO rotation (rotation_id, target_id, request_event_id, status,"
                        + " all_stages, key_id, fingerprint, created_at) VALUES (?,"
                        + " 'db-guard/app-key', ?, 'IN_FLIGHT', true, '0123abcd',"
                        + " 'LlzooVug73TuGCjwJ1aZaV+CKO1EUe/Nps4F0BaT69Y=', now())",
                    rotation,
                    "event-" + rotation))
        .rootCause()
        .hasMessageContaining("rotation_fingerprint_is_hex");
  }

  @Test
  void readinessReportsKafkaAndTheDatabase() {
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.name", hasItem("Database connections health check"))
        .body("checks.name", hasItem("SmallRye Reactive Messaging - readiness check"));
  }

  @Test
  void aDatabaseOutageMakesTheServiceUnreadyAndDelaysARequestWithoutLosingIt() {
    EventEnvelope request = request(newRotationId(), TestPolicy.DB_OUTAGE);
    PostgresServer.stop();
    try {
      await()
          .atMost(RotorEvents.TIMEOUT)
          .untilAsserted(() -> given().when().get("/q/health/ready").then().statusCode(503));
      double retries = Scrape.value(RETRIES, PROCESS);
      publish(kafka, request);
      await()
          .atMost(RotorEvents.TIMEOUT)
          .alias("the request was tried against the database that is down")
          .until(() -> Scrape.value(RETRIES, PROCESS) > retries);
      assertThat(answers(kafka, request)).isEmpty();
    } finally {
      PostgresServer.start();
    }

    awaitKey(kafka, request);
    assertThat(answers(kafka, request)).hasSize(1);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                given()
                    .when()
                    .get("/q/health/ready")
                    .then()
                    .statusCode(200)
                    .body("status", equalTo("UP")));
  }
}
