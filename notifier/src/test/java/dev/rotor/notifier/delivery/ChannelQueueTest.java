package dev.rotor.notifier.delivery;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each channel has its own durable queue: a channel that keeps failing holds only itself, a
 * redelivered record queues nothing twice, a long outage gives up what waited longer than the retry
 * budget instead of holding every message for the whole budget in turn, and two loops on one
 * channel never post a message twice.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class ChannelQueueTest {

  @InjectFakeSlack FakeSlack slack;

  @Inject MeterRegistry registry;

  @Inject AgroalDataSource dataSource;

  @Inject ChannelLoops loops;

  @Inject Deliverer deliverer;

  @Inject DeliveryQueue queue;

  @Inject Pauser pauser;

  @Inject DeliveryMetrics metrics;

  @Inject dev.rotor.notifier.config.NotifierSettings settings;

  @AfterEach
  void endScriptedTrouble() {
    slack.reset();
  }

  @Test
  void aFailingChannelHoldsOnlyItselfAndGetsItsQueueInOrderOnceItRecovers() throws Exception {
    // rollout.failed is CRITICAL: #platform-alerts and #security-ops. #platform-alerts answers 503.
    String rotation = TestEvents.newRotationId();
    List<EventEnvelope> events =
        List.of("distribute", "promote", "rollback").stream()
            .map(
                phase ->
                    TestEvents.of(
                        EventType.ROLLOUT_FAILED, rotation, data -> data.put("phase", phase)))
            .toList();
    List<String> ids = events.stream().map(EventEnvelope::id).toList();
    slack.answer(to("#platform-alerts", rotation), Integer.MAX_VALUE, Answer.serverError(503));

    try (KafkaTestClient client = new KafkaTestClient()) {
      events.forEach(event -> TestEvents.produce(client, event));

      await()
          .atMost(TIMEOUT)
          .untilAsserted(() -> assertThat(eventIdsIn("#security-ops", rotation)).isEqualTo(ids));
      // Still failing: #platform-alerts has nothing, its head is retried, the rest wait for it.
      assertThat(eventIdsIn("#platform-alerts", rotation)).isEmpty();
      assertThat(requestsTo("#platform-alerts", ids.get(0)))
          .isNotEmpty()
          .hasSizeLessThan(15)
          .allSatisfy(r -> assertThat(r.status()).isEqualTo(503));
      assertThat(requestsTo("#platform-alerts", ids.get(1))).isEmpty();
      assertThat(requestsTo("#platform-alerts", ids.get(2))).isEmpty();
      assertThat(deadLettersOf(client, ids.get(0))).isEmpty();

      slack.reset(); // #platform-alerts is back

      await()
          .atMost(TIMEOUT)
          .untilAsserted(() -> assertThat(eventIdsIn("#platform-alerts", rotation)).isEqualTo(ids));
      await()
          .during(Duration.ofMillis(1000))
          .atMost(TIMEOUT)
          .until(
              () ->
                  eventIdsIn("#platform-alerts", rotation).equals(ids)
                      && eventIdsIn("#security-ops", rotation).equals(ids));
      assertThat(deadLettersOf(client, ids.get(0))).isEmpty();
    }
    assertThat(requestsTo("#platform-alerts", ids.get(1))).hasSize(1);
    assertThat(requestsTo("#platform-alerts", ids.get(2))).hasSize(1);
    for (String id : ids) {
      assertThat(queueStates(id))
          .containsExactly("#platform-alerts delivered", "#security-ops delivered");
    }
  }

  @Test
  void aRedeliveredRecordIsQueuedOnceAndSentOnce() throws Exception {
    String rotation = TestEvents.newRotationId();
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    slack.answer(to("#security-ops", rotation), Integer.MAX_VALUE, Answer.serverError(503));
    double duplicatesBefore = counter("rotor.notifier.messages", "outcome", "duplicate");

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
      long again = TestEvents.produce(client, event); // redelivered, e.g. after a rebalance
      await()
          .atMost(TIMEOUT)
          .until(() -> NotifierTestSetup.committedOffset(Topics.REQUESTS).orElse(0L) > again);
    }
    assertThat(queueStates(event.id())).containsExactly("#security-ops pending");
    assertThat(counter("rotor.notifier.messages", "outcome", "duplicate") - duplicatesBefore)
        .isEqualTo(1);

    slack.reset();

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
    await()
        .during(Duration.ofMillis(1000))
        .atMost(TIMEOUT)
        .until(() -> slack.messagesMentioning(event.id()).size() == 1);
    assertThat(slack.requestsMentioning(event.id())).filteredOn(r -> r.status() == 200).hasSize(1);
    assertThat(queueStates(event.id())).containsExactly("#security-ops delivered");
  }

  @Test
  void givesUpMessagesQueuedBehindAFailingOneOnceTheyWaitedLongerThanTheRetryBudget()
      throws Exception {
    // The test budget: 15 attempts, 0.1 s doubling up to 0.5 s: 6.2 s of backoff.
    String rotation = TestEvents.newRotationId();
    List<EventEnvelope> events =
        IntStream.range(0, 4)
            .mapToObj(i -> TestEvents.of(EventType.ROTATION_REQUESTED, rotation))
            .toList();
    slack.answer(to("#security-ops", rotation), Integer.MAX_VALUE, Answer.serverError(503));

    try (KafkaTestClient client = new KafkaTestClient()) {
      events.forEach(event -> TestEvents.produce(client, event));
      for (EventEnvelope event : events) {
        NotifierTestSetup.deadLetterOf(client, event.id());
      }
      await()
          .during(Duration.ofMillis(1000))
          .atMost(TIMEOUT)
          .until(() -> events.stream().allMatch(e -> deadLettersOf(client, e.id()).size() == 1));
      List<String> reasons =
          events.stream()
              .map(
                  e ->
                      KafkaTestClient.headerValue(
                          deadLettersOf(client, e.id()).get(0), "dead-letter-reason"))
              .toList();
      assertThat(reasons.get(0))
          .matches(
              "UNDELIVERABLE channel security-ops: no success in 15 attempts over \\d+\\.\\d s;"
                  + " last: HTTP 503");
      assertThat(reasons.subList(1, reasons.size()))
          .allSatisfy(
              reason ->
                  assertThat(reason)
                      .matches(
                          "UNDELIVERABLE channel security-ops: no success in [12] attempts?; it"
                              + " waited \\d+\\.\\d s behind a failing channel, longer than the"
                              + " retry budget of 6\\.2 s; last: HTTP 503"));
    }
    assertThat(slack.requestsMentioning(events.get(0).id())).hasSize(15);
    for (EventEnvelope event : events.subList(1, events.size())) {
      assertThat(slack.requestsMentioning(event.id()))
          .as("a message queued behind the failing one is not held for the whole budget again")
          .hasSizeBetween(1, 2);
    }
    for (EventEnvelope event : events) {
      assertThat(queueStates(event.id())).containsExactly("#security-ops given-up");
      assertThat(slack.messagesMentioning(event.id())).isEmpty();
    }

    // The channel is back: the next message goes through at once.
    slack.reset();
    EventEnvelope next = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, next);
    }
    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(next.id()).size() == 1);
    assertThat(slack.requestsMentioning(next.id())).hasSize(1);
  }

  @Test
  void aRowThatCannotBeReadBackIsGivenUpWithItsReasonAndTheChannelGoesOn() throws Exception {
    String unreadable = "unreadable-" + java.util.UUID.randomUUID();
    EventEnvelope next = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                "insert into notifier_queue (event_id, channel, channel_name, event_type,"
                    + " record_topic, record_partition, record_offset, record_timestamp,"
                    + " record_headers, enqueued_at) values (?, '#security-ops', 'security-ops',"
                    + " 'rotation.requested', 'rotor.requests', 0, 0, 0, 'not json', now())")) {
      insert.setString(1, unreadable);
      insert.executeUpdate();
    }

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, next);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(next.id()).size() == 1);
      ConsumerRecord<byte[], byte[]> dead = NotifierTestSetup.deadLetterOf(client, unreadable);
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
          .startsWith("UNREADABLE_ROW channel security-ops: queue row ")
          .contains("cannot be read back: IllegalStateException");
    }
    assertThat(stateOf(unreadable, "#security-ops")).isEqualTo("given-up");
  }

  @Test
  void aChannelLoopGoesOnAfterAnErrorAndSaysItIsAlive() throws Exception {
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
    }
    await().atMost(TIMEOUT).until(() -> "delivered".equals(stateOf(event.id(), "#security-ops")));
    // The same record queued for a channel no configured loop serves (Slack does not know it, so
    // the message ends given up: what matters is that the loop gets there).
    try (Connection connection = dataSource.getConnection();
        PreparedStatement copy =
            connection.prepareStatement(
                "insert into notifier_queue (event_id, channel, channel_name, event_type,"
                    + " rotation_id, record_topic, record_partition, record_offset,"
                    + " record_timestamp, record_key, record_value, record_headers, enqueued_at)"
                    + " select event_id, '#loop-test', 'loop-test', event_type, rotation_id,"
                    + " record_topic, record_partition, record_offset, record_timestamp,"
                    + " record_key, record_value, record_headers, now() from notifier_queue"
                    + " where event_id = ? and channel = '#security-ops'")) {
      copy.setString(1, event.id());
      assertThat(copy.executeUpdate()).isEqualTo(1);
    }
    java.util.concurrent.atomic.AtomicBoolean failed =
        new java.util.concurrent.atomic.AtomicBoolean();
    javax.sql.DataSource failingOnce =
        (javax.sql.DataSource)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("getConnection")
                      && failed.compareAndSet(false, true)) {
                    throw new NoClassDefFoundError("injected by the test");
                  }
                  try {
                    return method.invoke(dataSource, args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    ChannelLoop loop =
        new ChannelLoop(
            new dev.rotor.notifier.config.ChannelSettings(
                "loop-test",
                "#loop-test",
                java.util.Set.of(),
                java.util.Optional.empty(),
                java.util.Set.of(),
                List.of(),
                java.util.Optional.empty()),
            deliverer,
            queue,
            failingOnce,
            pauser,
            settings.retry(),
            Duration.ofMillis(200),
            metrics,
            java.time.Clock.systemUTC());
    Thread thread = new Thread(loop, "loop-test");
    thread.setDaemon(true);
    thread.start();
    try {
      await().atMost(TIMEOUT).until(() -> "given-up".equals(stateOf(event.id(), "#loop-test")));
      assertThat(failed).isTrue();
      assertThat(thread.isAlive()).isTrue();
      assertThat(loop.alive(Duration.ofSeconds(10))).isTrue();
      assertThat(
              registry
                  .find("rotor.notifier.loop.troubles")
                  .tag("channel", "loop-test")
                  .counter()
                  .count())
          .isEqualTo(1);
    } finally {
      loop.stop();
      thread.join(5000);
    }
    assertThat(loop.alive(Duration.ofSeconds(10))).isFalse();
    assertThat(loops.deadLoops()).isEmpty();
  }

  private String stateOf(String eventId, String channel) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "select state from notifier_queue where event_id = ? and channel = ?")) {
      statement.setString(1, eventId);
      statement.setString(2, channel);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  @Test
  void twoLoopsOnOneChannelPostEachMessageOnceAndInOrderThroughALostLock() throws Exception {
    // A second loop for #security-ops, as a second replica runs one; it waits for the lock.
    Runnable stopSecond = loops.startAnotherLoop("security-ops");
    try {
      String rotation = TestEvents.newRotationId();
      List<EventEnvelope> events =
          IntStream.range(0, 10)
              .mapToObj(i -> TestEvents.of(EventType.ROTATION_REQUESTED, rotation))
              .toList();
      List<String> ids = events.stream().map(EventEnvelope::id).toList();
      try (KafkaTestClient client = new KafkaTestClient()) {
        events.subList(0, 5).forEach(event -> TestEvents.produce(client, event));
        await().atMost(TIMEOUT).until(() -> eventIdsIn("#security-ops", rotation).size() >= 2);
        // The lock holders' connections die (a replica lost, a database failover): the loops
        // take the locks again, the second loop may win #security-ops.
        assertThat(terminateLockHolders()).isPositive();
        events.subList(5, 10).forEach(event -> TestEvents.produce(client, event));
      }

      await()
          .atMost(TIMEOUT)
          .untilAsserted(() -> assertThat(eventIdsIn("#security-ops", rotation)).isEqualTo(ids));
      await()
          .during(Duration.ofMillis(1500))
          .atMost(TIMEOUT)
          .until(() -> eventIdsIn("#security-ops", rotation).equals(ids));
      for (String id : ids) {
        assertThat(queueStates(id)).containsExactly("#security-ops delivered");
      }
    } finally {
      stopSecond.run();
    }
  }

  @Test
  void aMessageTakenUpAgainByAnotherLoopWaitsAsSlackAskedInsteadOfPostingAtOnce() {
    // A restart or another replica takes up a head that Slack rate-limited: the wait Slack asked
    // for (kept in the queue row) still holds, or a crash-looping notifier would hammer Slack.
    String rotation = TestEvents.newRotationId();
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    slack.answer(to("#security-ops", rotation), 3, Answer.rateLimited(3));
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
    }
    QueuedMessage row =
        await()
            .pollInterval(Duration.ofMillis(20))
            .atMost(TIMEOUT)
            .until(
                () -> pendingRow(event.id(), "#security-ops"),
                r -> r != null && r.nextAttemptAt != null);
    dev.rotor.notifier.config.ChannelSettings channel =
        settings.channels().stream()
            .filter(c -> c.slackChannel().equals("#security-ops"))
            .findFirst()
            .orElseThrow();

    Deliverer.Head head = deliverer.open(row, channel, new Deliverer.ChannelState());

    java.time.Instant now = java.time.Instant.now();
    assertThat(head.remainingWait(now))
        .as("the wait left until next_attempt_at %s", row.nextAttemptAt)
        .isEqualTo(Duration.between(now, row.nextAttemptAt))
        .isGreaterThan(Duration.ofSeconds(1));
  }

  private static QueuedMessage pendingRow(String eventId, String channel) {
    return io.quarkus.narayana.jta.QuarkusTransaction.requiringNew()
        .call(
            () ->
                QueuedMessage.<QueuedMessage>find(
                        "eventId = ?1 and channel = ?2 and state = ?3",
                        eventId,
                        channel,
                        QueuedMessage.PENDING)
                    .firstResult());
  }

  /** Ends the database sessions that hold the notifier's channel locks; how many it ended. */
  private int terminateLockHolders() throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement =
            connection.prepareStatement(
                "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory'"
                    + " and classid = ?::oid and granted")) {
      statement.setLong(1, ChannelLoop.LOCK_CLASS);
      int ended = 0;
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          ended += rs.getBoolean(1) ? 1 : 0;
        }
      }
      return ended;
    }
  }

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

  /**
   * Requests about {@code text} (a rotation or an event id) to the Slack channel {@code channel}.
   */
  private static Predicate<JsonNode> to(String channel, String text) {
    return body -> channel.equals(body.path("channel").asText()) && body.toString().contains(text);
  }

  private List<String> eventIdsIn(String channel, String rotation) {
    return slack.messagesMentioning(rotation).stream()
        .filter(m -> m.channel().equals(channel))
        .map(FakeSlack.Message::eventId)
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

  private double counter(String name, String tag, String value) {
    return registry.find(name).tag(tag, value).counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }
}
