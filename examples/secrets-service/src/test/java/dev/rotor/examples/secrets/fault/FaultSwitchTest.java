package dev.rotor.examples.secrets.fault;

import static dev.rotor.examples.secrets.TestApplication.awaitLogLines;
import static dev.rotor.examples.secrets.TestApplication.metric;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.rotor.examples.secrets.TestKeyringResource;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fault switch on the running service, changed through {@code PUT /admin/fault}. */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = TestKeyringResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class FaultSwitchTest {

  @AfterEach
  void switchOff() {
    set(Map.of("errorRatio", 0, "extraLatency", "PT0S"));
  }

  @Test
  void atAnErrorRatioOfOneEveryPayloadRequestFailsButHealthAndMetricsStillAnswer() {
    double injectedBefore = metric("secrets_faults_injected_total");
    set(Map.of("errorRatio", 1.0));

    given()
        .contentType(ContentType.JSON)
        .body(Map.of("plaintext", "x"))
        .when()
        .post("/payloads")
        .then()
        .statusCode(500)
        .body("error", equalTo("injected_fault"));
    given().when().get("/payloads/" + UUID.randomUUID()).then().statusCode(500);

    given().when().get("/q/health/ready").then().statusCode(200);
    given().when().get("/admin/fault").then().statusCode(200).body("errorRatio", equalTo(1.0f));
    assertThat(metric("secrets_faults_injected_total")).isEqualTo(injectedBefore + 2);
    assertThat(
            metric(
                "http_server_requests_seconds_count{method=\"POST\",outcome=\"SERVER_ERROR\","
                    + "status=\"500\",uri=\"/payloads\"}"))
        .isGreaterThanOrEqualTo(1);
    awaitLogLines("SECRETS-0200 fault switch set: error ratio 1.0");
  }

  @Test
  void aPartialErrorRatioFailsAboutThatShareOfRequests() {
    set(Map.of("errorRatio", 0.5));

    int failed = 0;
    for (int i = 0; i < 200; i++) {
      int status =
          given().when().get("/payloads/" + UUID.randomUUID()).then().extract().statusCode();
      assertThat(status).isIn(404, 500);
      failed += status == 500 ? 1 : 0;
    }

    // 200 draws at p = 0.5: outside 60..140 is more than 5 standard deviations away.
    assertThat(failed).isBetween(60, 140);
  }

  @Test
  void extraLatencySlowsEveryPayloadRequest() {
    set(Map.of("extraLatency", "PT0.4S"));

    long started = System.nanoTime();
    given().when().get("/payloads/" + UUID.randomUUID()).then().statusCode(404);
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(elapsedMillis).isGreaterThanOrEqualTo(400);
    given().when().get("/admin/fault").then().body("extraLatency", equalTo("PT0.4S"));
  }

  @Test
  void anErrorRatioOutsideZeroToOneIsRefusedNamingTheConfigurationKey() {
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("errorRatio", 1.5))
        .when()
        .put("/admin/fault")
        .then()
        .statusCode(400)
        .body("message", containsString("secrets-service.fault.error-ratio: 1.5"));
    given().when().get("/admin/fault").then().body("errorRatio", equalTo(0.0f));
  }

  private static void set(Map<String, Object> change) {
    given()
        .contentType(ContentType.JSON)
        .body(change)
        .when()
        .put("/admin/fault")
        .then()
        .statusCode(200);
  }
}
