package dev.rotor.notifier.delivery;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.INTEGER;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Topics;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.slack.FakeSlack;
import dev.rotor.notifier.slack.FakeSlack.Answer;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.notifier.slack.InjectFakeSlack;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.PostgresServer;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each event reaches each of its channels exactly once: through server errors, rate limits and
 * outages, despite duplicates; and what cannot be delivered goes to the dead-letter topic with its
 * reason while the notifier goes on.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class DeliveryGuaranteesTest {

  @InjectFakeSlack FakeSlack slack;

  @Inject MeterRegistry registry;

  @Inject AgroalDataSource dataSource;

  @AfterEach
  void endScriptedTrouble() {
    slack.reset();
  }

  @Test
  void retriesServerErrorsWithBackoffAndPostsTheMessageOnce() {
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    slack.answer(body -> body.toString().contains(event.id()), 2, Answer.serverError(500));
    double retriesBefore = counter("rotor.notifier.retries", "cause", "server-error");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
    }

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
    assertThat(slack.requestsMentioning(event.id()))
        .extracting(FakeSlack.Request::status)
        .containsExactly(500, 500, 200);
    assertThat(counter("rotor.notifier.retries", "cause", "server-error") - retriesBefore)
        .isEqualTo(2);
  }

  @Test
  void waitsAsLongAsRetryAfterAsksWhenSlackRateLimits() {
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    slack.answer(body -> body.toString().contains(event.id()), 1, Answer.rateLimited(1));

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
    }

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
    List<FakeSlack.Request> attempts = slack.requestsMentioning(event.id());
    assertThat(attempts).extracting(FakeSlack.Request::status).containsExactly(429, 200);
    assertThat(Duration.between(attempts.get(0).receivedAt(), attempts.get(1).receivedAt()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(registry.find("rotor.notifier.rate.limit.waits").timer().count()).isPositive();
  }

  @Test
  void holdsEventsThroughAnOutageThenDeliversEachOnceAndInOrderPerRotation() {
    String first = TestEvents.newRotationId();
    String second = TestEvents.newRotationId();
    slack.answerAlways(first, Answer.serverError(503));
    slack.answerAlways(second, Answer.serverError(503));
    List<EventEnvelope> events =
        List.of(
            rollout(EventType.ROLLOUT_STARTED, first, "distribute"),
            rollout(EventType.ROLLOUT_STARTED, second, "distribute"),
            rollout(EventType.ROLLOUT_COMPLETED, first, "distribute"),
            rollout(EventType.ROLLOUT_STARTED, first, "promote"),
            rollout(EventType.ROLLOUT_COMPLETED, second, "distribute"),
            rollout(EventType.ROLLOUT_COMPLETED, first, "promote"));
    List<Long> offsets = new ArrayList<>();
    try (KafkaTestClient client = new KafkaTestClient()) {
      events.forEach(event -> offsets.add(TestEvents.produce(client, event)));
    }

    // Slack is down: the first event is retried, nothing is delivered, the offset stays put.
    await().atMost(TIMEOUT).until(() -> slack.requestsMentioning(events.get(0).id()).size() >= 3);
    await()
        .during(Duration.ofMillis(1500))
        .atMost(TIMEOUT)
        .until(
            () ->
                slack.messagesMentioning(first).isEmpty()
                    && slack.messagesMentioning(second).isEmpty()
                    && NotifierTestSetup.committedOffset(Topics.ROLLOUTS).orElse(0L)
                        <= offsets.get(0));
    assertThat(slack.requestsMentioning(events.get(1).id()))
        .as("later events wait behind the held one")
        .isEmpty();

    slack.reset(); // Slack is back

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(eventIds(first))
                  .containsExactly(
                      events.get(0).id(),
                      events.get(2).id(),
                      events.get(3).id(),
                      events.get(5).id());
              assertThat(eventIds(second)).containsExactly(events.get(1).id(), events.get(4).id());
            });
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                NotifierTestSetup.committedOffset(Topics.ROLLOUTS).orElse(0L)
                    > offsets.get(offsets.size() - 1));
    assertThat(eventIds(first)).doesNotHaveDuplicates();
  }

  @Test
  void postsAnEventThatArrivesTwiceOnlyOnce() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope marker = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    double duplicatesBefore = counter("rotor.notifier.messages", "outcome", "duplicate");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
      TestEvents.produce(client, event); // redelivered, e.g. after a rebalance or a replay
      TestEvents.produce(client, marker); // same topic: read after the duplicate
    }

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(marker.id()).size() == 1);
    assertThat(slack.messagesMentioning(event.id())).hasSize(1);
    assertThat(slack.requestsMentioning(event.id())).hasSize(1);
    assertThat(counter("rotor.notifier.messages", "outcome", "duplicate") - duplicatesBefore)
        .isEqualTo(1);
  }

  @Test
  void sendsAMalformedRecordToTheDeadLetterTopicWithItsReasonAndGoesOn() {
    EventEnvelope valid = TestEvents.of(EventType.ROTATION_APPROVED, TestEvents.newRotationId());
    Map<String, String> poisonHeaders = new LinkedHashMap<>(CloudEventBinding.headers(valid));
    poisonHeaders.remove("ce_source");
    String poisonId = "poison-" + UUID.randomUUID();
    poisonHeaders.put("ce_id", poisonId);

    long poisonOffset;
    try (KafkaTestClient client = new KafkaTestClient()) {
      poisonOffset =
          client
              .produce(
                  Topics.APPROVALS, valid.subject(), poisonHeaders, EventCodec.encode(valid.data()))
              .offset();
      client.produce(Topics.APPROVALS, valid.subject(), Map.of(), "{not json".getBytes(UTF_8));
      TestEvents.produce(client, valid);

      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(valid.id()).size() == 1);
      ConsumerRecord<byte[], byte[]> dead = NotifierTestSetup.deadLetterOf(client, poisonId);
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
          .isEqualTo("MISSING_ATTRIBUTE ce_source: is required");
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-topic"))
          .isEqualTo(Topics.APPROVALS);
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-offset"))
          .isEqualTo(Long.toString(poisonOffset));
    }
    assertThat(slack.messagesMentioning(poisonId)).isEmpty();
  }

  @Test
  void deadLettersAnEventSlackRefusesWithoutRetryingAndGoesOn() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope refused = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope next = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    slack.answer(body -> body.toString().contains(refused.id()), 1, Answer.error("not_in_channel"));
    double rejectedBefore = counter("rotor.notifier.messages", "outcome", "rejected");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, refused);
      TestEvents.produce(client, next);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(next.id()).size() == 1);
      ConsumerRecord<byte[], byte[]> dead = NotifierTestSetup.deadLetterOf(client, refused.id());
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
          .isEqualTo(
              "SLACK_REJECTED channel security-ops: Slack refused the message: not_in_channel");
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-topic")).isEqualTo(Topics.REQUESTS);
    }
    assertThat(slack.requestsMentioning(refused.id())).hasSize(1);
    assertThat(slack.messagesMentioning(refused.id())).isEmpty();
    assertThat(counter("rotor.notifier.messages", "outcome", "rejected") - rejectedBefore)
        .isEqualTo(1);
  }

  @Test
  void deadLettersAnEventAfterTheBoundedNumberOfAttemptsAndGoesOn() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope doomed = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope next = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    slack.answerAlways(doomed.id(), Answer.serverError(503));
    double dlqBefore = dlqCount("UNDELIVERABLE");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, doomed);
      TestEvents.produce(client, next);
      ConsumerRecord<byte[], byte[]> dead = NotifierTestSetup.deadLetterOf(client, doomed.id());
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
          .matches(
              "UNDELIVERABLE channel security-ops: no success in 15 attempts over \\d+\\.\\d s;"
                  + " last: HTTP 503");
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(next.id()).size() == 1);
    }
    assertThat(slack.requestsMentioning(doomed.id())).hasSize(15);
    assertThat(slack.messagesMentioning(doomed.id())).isEmpty();
    assertThat(dlqCount("UNDELIVERABLE") - dlqBefore).isEqualTo(1);
  }

  @Test
  void recordsADeliveryAfterADatabaseOutageWithoutPostingTheMessageTwice() throws Exception {
    String rotation = TestEvents.newRotationId();
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope marker = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    // The database goes down while Slack takes the message: only the recording is retried.
    slack.beforeAnswering(body -> body.toString().contains(event.id()), PostgresServer::stop);
    double databaseRetriesBefore = counter("rotor.notifier.retries", "cause", "database");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
      await()
          .atMost(TIMEOUT)
          .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503));
      await()
          .atMost(TIMEOUT)
          .until(
              () -> counter("rotor.notifier.retries", "cause", "database") > databaseRetriesBefore);
      PostgresServer.start();
      await()
          .atMost(TIMEOUT)
          .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
      await().atMost(TIMEOUT).until(() -> deliveryAttempts(event.id()).isPresent());

      TestEvents.produce(client, event); // redelivered: on record, so not posted again
      TestEvents.produce(client, marker);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(marker.id()).size() == 1);
    }
    assertThat(slack.requestsMentioning(event.id())).hasSize(1);
    assertThat(deliveryAttempts(event.id())).get().asInstanceOf(INTEGER).isGreaterThan(1);
  }

  private java.util.Optional<Integer> deliveryAttempts(String eventId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "select attempts from notifier_delivery where event_id = ? and channel = ?")) {
      statement.setString(1, eventId);
      statement.setString(2, "#security-ops");
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? java.util.Optional.of(rs.getInt(1)) : java.util.Optional.empty();
      }
    }
  }

  private static EventEnvelope rollout(EventType type, String rotation, String phase) {
    return TestEvents.of(type, rotation, data -> data.put("phase", phase));
  }

  private List<String> eventIds(String rotation) {
    return slack.messagesMentioning(rotation).stream().map(FakeSlack.Message::eventId).toList();
  }

  private double counter(String name, String tag, String value) {
    return registry.find(name).tag(tag, value).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private double dlqCount(String reason) {
    return registry.find("rotor.dlq.records").tag("reason", reason).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }
}
