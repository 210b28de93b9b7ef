package dev.rotor.notifier;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.notifier.slack.FakeSlack;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.notifier.slack.InjectFakeSlack;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Health probes that reflect Kafka and PostgreSQL, and the notifier's metrics. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class NotifierEndpointsTest extends ServiceEndpointsContract {

  @InjectFakeSlack FakeSlack slack;

  @Test
  void readinessCoversTheKafkaConsumerAndTheDatabase() {
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body(
            "checks.name",
            hasItems(
                "SmallRye Reactive Messaging - readiness check",
                "Database connections health check"));
  }

  @Test
  void countsMessagesPerChannelAndOutcomeInPrometheus() {
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
    }
    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);

    // Slack has the message a moment before the notifier has recorded and counted it.
    String sent = "rotor_notifier_messages_total{channel=\"security-ops\",outcome=\"sent\"}";
    await()
        .atMost(TIMEOUT)
        .until(() -> given().when().get("/q/metrics").then().extract().asString().contains(sent));
    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString(sent))
        .body(
            containsString(
                "rotor_notifier_events_total{outcome=\"routed\",type=\"rotation.requested\"}"))
        .body(
            containsString(
                "rotor_notifier_delivery_latency_seconds_count{channel=\"security-ops\"}"))
        .body(containsString("rotor_notifier_delivery_held_seconds"))
        .body(containsString("rotor_notifier_queue_pending{channel=\"security-ops\"}"))
        .body(containsString("rotor_notifier_queue_oldest_age_seconds{channel=\"security-ops\"}"));
  }
}
