package dev.rotor.notifier.delivery;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.INTEGER;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
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
  void holdsEventsThroughAnOutageThenDeliversEachOnceAndInOrderPerRotation() throws Exception {
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

    // Slack is down: the first event is retried, nothing is delivered, the later events wait
    // behind it in the channel's queue; the records are queued durably and acknowledged.
    await().atMost(TIMEOUT).until(() -> slack.requestsMentioning(events.get(0).id()).size() >= 3);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                NotifierTestSetup.committedOffset(Topics.ROLLOUTS).orElse(0L)
                    > offsets.get(offsets.size() - 1));
    await()
        .during(Duration.ofMillis(1500))
        .atMost(TIMEOUT)
        .until(
            () ->
                slack.messagesMentioning(first).isEmpty()
                    && slack.messagesMentioning(second).isEmpty());
    assertThat(slack.requestsMentioning(events.get(1).id()))
        .as("later events wait behind the held one in their channel")
        .isEmpty();
    for (EventEnvelope event : events) {
      assertThat(queueStates(event.id())).containsExactly("#security-ops pending");
    }

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
    assertThat(eventIds(first)).doesNotHaveDuplicates();
    for (EventEnvelope event : events) {
      await()
          .atMost(TIMEOUT)
          .until(() -> queueStates(event.id()).equals(List.of("#security-ops delivered")));
    }
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
  void aRefusedTokenHoldsTheChannelAndRetriesBeyondMaxAttemptsInsteadOfDeadLettering() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    // More refusals than max-attempts (15): a bad token for a while, then fixed.
    slack.answer(body -> body.toString().contains(event.id()), 18, Answer.error("invalid_auth"));
    double authRetriesBefore = counter("rotor.notifier.retries", "cause", "auth");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
      assertThat(deadLettersOf(client, event.id())).isEmpty();
    }
    assertThat(slack.requestsMentioning(event.id())).hasSize(19);
    assertThat(counter("rotor.notifier.retries", "cause", "auth") - authRetriesBefore)
        .isEqualTo(18);
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
  void aChannelThatRefusesDoesNotStopTheOthers() throws Exception {
    // CRITICAL: to #platform-alerts, then #security-ops (channels go in the order of their names).
    EventEnvelope rolledBack =
        TestEvents.of(EventType.ROTATION_ROLLED_BACK, TestEvents.newRotationId());
    slack.answer(
        to("#platform-alerts", rolledBack), Integer.MAX_VALUE, Answer.error("is_archived"));
    double dlqBefore = dlqCount("SLACK_REJECTED");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, rolledBack);
      await().atMost(TIMEOUT).until(() -> messagesIn("#security-ops", rolledBack.id()).size() == 1);
      ConsumerRecord<byte[], byte[]> dead = NotifierTestSetup.deadLetterOf(client, rolledBack.id());
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
          .isEqualTo(
              "SLACK_REJECTED channel platform-alerts: Slack refused the message: is_archived");
      assertThat(deliveredChannels(rolledBack.id())).containsExactly("#security-ops");
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  queueStates(rolledBack.id())
                      .equals(List.of("#platform-alerts given-up", "#security-ops delivered")));

      // The channel is fixed. A replayed record finds both channels done and sends nothing; an
      // operator re-queues the given-up row (docs/notifier.md): only that channel gets it.
      slack.reset();
      EventEnvelope marker =
          TestEvents.of(EventType.ROTATION_ROLLED_BACK, TestEvents.newRotationId());
      TestEvents.produce(client, rolledBack);
      TestEvents.produce(client, marker);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(marker.id()).size() == 2);
      assertThat(slack.messagesMentioning(rolledBack.id())).hasSize(1);
      requeue(rolledBack.id(), "#platform-alerts");
      await()
          .atMost(TIMEOUT)
          .until(() -> messagesIn("#platform-alerts", rolledBack.id()).size() == 1);
      assertThat(deadLettersOf(client, rolledBack.id())).hasSize(1);
    }
    assertThat(requestsTo("#security-ops", rolledBack.id())).hasSize(1);
    assertThat(slack.messagesMentioning(rolledBack.id())).hasSize(2);
    assertThat(deliveredChannels(rolledBack.id()))
        .containsExactlyInAnyOrder("#platform-alerts", "#security-ops");
    assertThat(dlqCount("SLACK_REJECTED") - dlqBefore).isEqualTo(1);
  }

  @Test
  void aChannelThatKeepsFailingDoesNotDelayTheOthers() throws Exception {
    // CRITICAL: to #platform-alerts, then #security-ops; #platform-alerts answers 503 throughout.
    EventEnvelope rolledBack =
        TestEvents.of(EventType.ROTATION_ROLLED_BACK, TestEvents.newRotationId());
    slack.answer(to("#platform-alerts", rolledBack), Integer.MAX_VALUE, Answer.serverError(503));
    AtomicInteger platformAlertsAttempts = new AtomicInteger(-1);
    slack.beforeAnswering(
        to("#security-ops", rolledBack),
        () -> platformAlertsAttempts.set(requestsTo("#platform-alerts", rolledBack.id()).size()));
    double dlqBefore = dlqCount("UNDELIVERABLE");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, rolledBack);
      ConsumerRecord<byte[], byte[]> dead = NotifierTestSetup.deadLetterOf(client, rolledBack.id());
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
          .matches(
              "UNDELIVERABLE channel platform-alerts: no success in 15 attempts over \\d+\\.\\d s;"
                  + " last: HTTP 503");
      assertThat(deadLettersOf(client, rolledBack.id())).hasSize(1);
    }
    assertThat(platformAlertsAttempts.get())
        .as("#platform-alerts' attempts when #security-ops is sent the message")
        .isBetween(0, 14);
    assertThat(messagesIn("#security-ops", rolledBack.id())).hasSize(1);
    assertThat(requestsTo("#platform-alerts", rolledBack.id())).hasSize(15);
    assertThat(deliveredChannels(rolledBack.id())).containsExactly("#security-ops");
    assertThat(dlqCount("UNDELIVERABLE") - dlqBefore).isEqualTo(1);
  }

  @Test
  void retriesFailingChannelsEachOnItsOwnBackoff() {
    // Both channels fail at first, with the same backoff: their retries alternate.
    EventEnvelope rolledBack =
        TestEvents.of(EventType.ROTATION_ROLLED_BACK, TestEvents.newRotationId());
    slack.answer(to("#platform-alerts", rolledBack), 5, Answer.serverError(503));
    slack.answer(to("#security-ops", rolledBack), 3, Answer.serverError(503));

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, rolledBack);
    }

    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                messagesIn("#platform-alerts", rolledBack.id()).size() == 1
                    && messagesIn("#security-ops", rolledBack.id()).size() == 1);
    assertThat(slack.requestsMentioning(rolledBack.id()))
        .extracting(r -> r.body().path("channel").asText() + " " + r.status())
        .containsSubsequence(
            "#platform-alerts 503",
            "#platform-alerts 503",
            "#platform-alerts 503",
            "#platform-alerts 503",
            "#platform-alerts 503",
            "#platform-alerts 200")
        .containsSubsequence(
            "#security-ops 503", "#security-ops 503", "#security-ops 503", "#security-ops 200");
    assertThat(requestsTo("#platform-alerts", rolledBack.id())).hasSize(6);
    assertThat(requestsTo("#security-ops", rolledBack.id())).hasSize(4);
    // Each channel waits its own growing backoff: 0.1 s, 0.2 s, 0.4 s, …
    List<FakeSlack.Request> alerts = requestsTo("#platform-alerts", rolledBack.id());
    assertThat(Duration.between(alerts.get(2).receivedAt(), alerts.get(3).receivedAt()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
    List<FakeSlack.Request> ops = requestsTo("#security-ops", rolledBack.id());
    assertThat(Duration.between(ops.get(2).receivedAt(), ops.get(3).receivedAt()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
  }

  @Test
  void deadLettersAnEventOncePerChannelThatLacksItNamingThatChannel() throws Exception {
    // To #payments-team, #platform-alerts and #security-ops, in this order.
    EventEnvelope failed =
        TestEvents.of(
            EventType.ROTATION_FAILED,
            TestEvents.newRotationId(),
            data -> {
              data.put("targetId", "payments/api-key");
              ((ObjectNode) data.get("plan"))
                  .put("targetId", "payments/api-key")
                  .put("namespace", "payments")
                  .put("secretName", "api-key");
            });
    slack.answer(to("#payments-team", failed), Integer.MAX_VALUE, Answer.error("not_in_channel"));
    slack.answer(to("#platform-alerts", failed), Integer.MAX_VALUE, Answer.serverError(503));
    double rejectedBefore = dlqCount("SLACK_REJECTED");
    double undeliverableBefore = dlqCount("UNDELIVERABLE");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, failed);
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(deadLettersOf(client, failed.id()))
                      .extracting(r -> KafkaTestClient.headerValue(r, "dead-letter-reason"))
                      .hasSize(2)
                      .anySatisfy(
                          reason ->
                              assertThat(reason)
                                  .isEqualTo(
                                      "SLACK_REJECTED channel payments-team: Slack refused the"
                                          + " message: not_in_channel"))
                      .anySatisfy(
                          reason ->
                              assertThat(reason)
                                  .matches(
                                      "UNDELIVERABLE channel platform-alerts: no success in 15"
                                          + " attempts over \\d+\\.\\d s; last: HTTP 503")));
      await()
          .during(Duration.ofMillis(500))
          .atMost(TIMEOUT)
          .until(() -> deadLettersOf(client, failed.id()).size() == 2);
    }
    assertThat(messagesIn("#security-ops", failed.id())).hasSize(1);
    assertThat(requestsTo("#payments-team", failed.id())).hasSize(1);
    assertThat(requestsTo("#platform-alerts", failed.id())).hasSize(15);
    assertThat(deliveredChannels(failed.id())).containsExactly("#security-ops");
    assertThat(dlqCount("SLACK_REJECTED") - rejectedBefore).isEqualTo(1);
    assertThat(dlqCount("UNDELIVERABLE") - undeliverableBefore).isEqualTo(1);
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

  @Test
  void aMessageSlackTookIsNeverGivenUpWhileOnlyItsRecordingFails() throws Exception {
    String rotation = TestEvents.newRotationId();
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope next = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    double databaseRetriesBefore = counter("rotor.notifier.retries", "cause", "database");
    double undeliverableBefore = dlqCount("UNDELIVERABLE");
    // The database works, but refuses to record this one delivery: more times than max-attempts.
    execute(
        "create function refuse_delivery() returns trigger language plpgsql as $$ begin"
            + " if new.event_id = '"
            + event.id()
            + "' then raise exception 'refused by the test'; end if; return new; end $$");
    execute(
        "create trigger refuse_delivery before insert on notifier_delivery for each row"
            + " execute function refuse_delivery()");
    try (KafkaTestClient client = new KafkaTestClient()) {
      try {
        TestEvents.produce(client, event);
        await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
        await()
            .atMost(TIMEOUT)
            .until(
                () ->
                    counter("rotor.notifier.retries", "cause", "database")
                        > databaseRetriesBefore + 20);
        assertThat(queueStates(event.id())).containsOnly("#security-ops pending");
      } finally {
        execute("drop trigger refuse_delivery on notifier_delivery");
        execute("drop function refuse_delivery()");
      }
      await().atMost(TIMEOUT).until(() -> deliveryAttempts(event.id()).isPresent());
      TestEvents.produce(client, next);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(next.id()).size() == 1);
      assertThat(deadLettersOf(client, event.id())).isEmpty();
    }
    assertThat(queueStates(event.id())).containsOnly("#security-ops delivered");
    assertThat(slack.requestsMentioning(event.id())).hasSize(1);
    assertThat(dlqCount("UNDELIVERABLE")).isEqualTo(undeliverableBefore);
  }

  private void execute(String sql) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        java.sql.Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
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

  /** The event's rows in the channels' queues: {@code "<channel> <state>"}, by channel. */
  private List<String> queueStates(String eventId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "select channel, state from notifier_queue where event_id = ? order by channel")) {
      statement.setString(1, eventId);
      List<String> states = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          states.add(rs.getString(1) + " " + rs.getString(2));
        }
      }
      return states;
    }
  }

  /** What docs/notifier.md tells an operator to run to send a given-up message again. */
  private void requeue(String eventId, String channel) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "update notifier_queue set state = 'pending', attempts = 0, first_attempt_at ="
                    + " null, next_attempt_at = null, finished_at = null, outcome = null"
                    + " where event_id = ? and channel = ? and state = 'given-up'")) {
      statement.setString(1, eventId);
      statement.setString(2, channel);
      assertThat(statement.executeUpdate()).isEqualTo(1);
    }
  }

  private List<String> deliveredChannels(String eventId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "select channel from notifier_delivery where event_id = ? order by channel")) {
      statement.setString(1, eventId);
      List<String> channels = new ArrayList<>();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          channels.add(rs.getString(1));
        }
      }
      return channels;
    }
  }

  /** Requests for {@code event} to the Slack channel {@code channel}. */
  private static Predicate<JsonNode> to(String channel, EventEnvelope event) {
    return body ->
        channel.equals(body.path("channel").asText()) && body.toString().contains(event.id());
  }

  private List<FakeSlack.Message> messagesIn(String channel, String eventId) {
    return slack.messagesMentioning(eventId).stream()
        .filter(m -> m.channel().equals(channel))
        .toList();
  }

  private List<FakeSlack.Request> requestsTo(String channel, String eventId) {
    return slack.requestsMentioning(eventId).stream()
        .filter(r -> channel.equals(r.body().path("channel").asText()))
        .toList();
  }

  private static List<ConsumerRecord<byte[], byte[]>> deadLettersOf(
      KafkaTestClient client, String eventId) {
    return client.readAll("rotor.dlq").stream()
        .filter(r -> eventId.equals(KafkaTestClient.headerValue(r, "ce_id")))
        .toList();
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
