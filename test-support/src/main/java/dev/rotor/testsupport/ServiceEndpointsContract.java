package dev.rotor.testsupport;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

/**
 * What every Rotor service offers to the platform it runs on: health probes for Kubernetes and
 * Prometheus metrics. Each service's test extends this class under {@code @QuarkusTest}.
 */
public abstract class ServiceEndpointsContract {

  @Test
  void reportsReadinessAndLivenessOnTheHealthEndpoints() {
    given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
  }

  @Test
  void exposesPrometheusMetrics() {
    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("jvm_memory_used_bytes"));
  }
}
