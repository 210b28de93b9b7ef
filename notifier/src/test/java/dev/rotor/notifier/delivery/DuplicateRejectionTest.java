package dev.rotor.notifier.delivery;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.slack.FakeSlack;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.notifier.slack.InjectFakeSlack;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code rotation.rejected} with reason {@code DUPLICATE} answers a request that reused the id of
 * an earlier rotation: it names that rotation but is no news of it. The rotation keeps its thread
 * and its records (the retention purge does not take it for ended), while a rotation rejected for
 * its own request still ends and goes, and so does one that was never admitted (only a request that
 * reused its id, and the answer).
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class DuplicateRejectionTest {
  private static final String PAYMENTS = "payments/api-key";
  private static final List<String> TABLES =
      List.of("notifier_delivery", "notifier_queue", "notifier_thread", "notifier_rotation");

  @InjectFakeSlack FakeSlack slack;
  @Inject AgroalDataSource dataSource;
  @Inject RetentionPurge purge;

  @AfterEach
  void endScriptedTrouble() {
    slack.reset();
  }

  @Test
  void aDuplicateAnswerIsAReplyThatChangesNothingOfTheRotationsThreads() throws Exception {
    String rotation = TestEvents.newRotationId();
    EventEnvelope requested = event(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope duplicate = duplicateOf(rotation);
    EventEnvelope failed = event(EventType.ROLLOUT_FAILED, rotation);
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, requested);
      await().atMost(TIMEOUT).until(() -> posted(requested).size() == 1);
      TestEvents.produce(client, duplicate);
      // #security-ops (in the rotation's thread) and #payments-team (where it has none yet).
      await().atMost(TIMEOUT).until(() -> posted(duplicate).size() == 2);
      settled(rotation, 3);
      TestEvents.produce(client, failed);
      await().atMost(TIMEOUT).until(() -> posted(failed).size() == 3);
    }

    FakeSlack.Message first = only(requested, "#security-ops");
    FakeSlack.Message reply = only(duplicate, "#security-ops");
    assertThat(reply.threadTs()).as("a reply in the rotation's thread").isEqualTo(first.ts());
    assertThat(reply.broadcast()).isFalse();
    assertThat(only(duplicate, "#payments-team").threadTs()).isNull();
    // The rotation goes on in its thread in #security-ops; in #payments-team its first message of
    // its own starts its thread, rather than replying under the refused request.
    assertThat(only(failed, "#security-ops").threadTs()).isEqualTo(first.ts());
    FakeSlack.Message teamFirst = only(failed, "#payments-team");
    assertThat(teamFirst.threadTs()).isNull();
    assertThat(threadTs(rotation, "#payments-team")).isEqualTo(teamFirst.ts());
    assertThat(reply.blocks().toString())
        .contains("Duplicate request refused")
        .contains("changes nothing")
        .contains("`DUPLICATE`")
        .doesNotContain("Rotation request rejected")
        .doesNotContain("was refused.");
  }

  @Test
  void thePurgeKeepsARotationInFlightThatGotADuplicateAnswerAndTakesOneRejectedForItself()
      throws Exception {
    String inFlight = TestEvents.newRotationId();
    EventEnvelope duplicate = duplicateOf(inFlight);
    String rejected = TestEvents.newRotationId();
    EventEnvelope answer = event(EventType.ROTATION_REJECTED, rejected);
    // A duplicate answer naming a rotation the notifier knows nothing else of (its records were
    // purged): no thread, nothing remembered, so its own records go by age.
    String unknown = TestEvents.newRotationId();
    EventEnvelope stray = duplicateOf(unknown);
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event(EventType.ROTATION_REQUESTED, inFlight));
      TestEvents.produce(client, event(EventType.KEY_GENERATED, inFlight));
      TestEvents.produce(client, event(EventType.ROTATION_REQUESTED, rejected));
      settled(inFlight, 2);
      settled(rejected, 1);
      TestEvents.produce(client, duplicate);
      TestEvents.produce(client, answer);
      TestEvents.produce(client, stray);
      settled(inFlight, 4);
      settled(rejected, 3);
      settled(unknown, 2);
    }
    assertThat(only(answer, "#security-ops").blocks().toString())
        .contains("Rotation request rejected");

    // Silent for long, every record older than retention.keep.
    age(inFlight, 150);
    age(rejected, 150);
    age(unknown, 150);
    purge.purge();

    assertThat(rows("notifier_thread", inFlight)).as("in flight: its thread stays").isEqualTo(1);
    assertThat(rows("notifier_rotation", inFlight)).isEqualTo(1);
    assertThat(rows("notifier_delivery", inFlight)).isEqualTo(4);
    assertThat(rows("notifier_queue", inFlight)).isEqualTo(4);
    for (String table : TABLES) {
      assertThat(rows(table, rejected)).as("rejected: " + table).isZero();
      assertThat(rows(table, unknown)).as("unknown: " + table).isZero();
    }
  }

  @Test
  void aRequestThatReusedThePurgedIdOfARotationLeavesNothingForEver() throws Exception {
    // The rotation's records were purged (here: it never was), then a request reused its id: the
    // request's rotation.requested starts a thread and a notifier_rotation row for the id, and its
    // DUPLICATE answer ends nothing. The rotation was never admitted here, so it goes by age.
    String reused = TestEvents.newRotationId();
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event(EventType.ROTATION_REQUESTED, reused));
      settled(reused, 1);
      TestEvents.produce(client, duplicateOf(reused));
      settled(reused, 3);
    }
    assertThat(rows("notifier_thread", reused)).isEqualTo(1);
    assertThat(rows("notifier_rotation", reused)).isEqualTo(1);

    age(reused, 150);
    purge.purge();

    for (String table : TABLES) {
      assertThat(rows(table, reused)).as(table).isZero();
    }
  }

  /** Waits until {@code rotation} has {@code deliveries} deliveries on record and none pending. */
  private void settled(String rotation, int deliveries) {
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                rows("notifier_delivery", rotation) == deliveries
                    && count(
                            "SELECT count(*) FROM notifier_queue WHERE rotation_id = ?"
                                + " AND state = 'pending'",
                            rotation)
                        == 0);
  }

  private String threadTs(String rotation, String channel) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT ts FROM notifier_thread WHERE rotation_id = ? AND channel = ?")) {
      s.setString(1, rotation);
      s.setString(2, channel);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  private static EventEnvelope event(EventType type, String rotation) {
    return TestEvents.of(
        type,
        rotation,
        data -> {
          data.put("targetId", PAYMENTS);
          if (data.get("plan") instanceof ObjectNode plan) {
            plan.put("targetId", PAYMENTS)
                .put("namespace", "payments")
                .put("secretName", "api-key");
          }
        });
  }

  /** The key-generator's answer to a later request that reused {@code rotation}'s id. */
  private static EventEnvelope duplicateOf(String rotation) {
    return TestEvents.of(
        EventType.ROTATION_REJECTED,
        rotation,
        data ->
            data.put("targetId", PAYMENTS)
                .put("reason", "DUPLICATE")
                .put(
                    "message",
                    "rotation id "
                        + rotation
                        + " was requested before and names that rotation; this request changes"
                        + " nothing")
                .putNull("inFlightRotationId"));
  }

  private List<FakeSlack.Message> posted(EventEnvelope event) {
    return slack.messagesMentioning(event.id());
  }

  private FakeSlack.Message only(EventEnvelope event, String channel) {
    List<FakeSlack.Message> found =
        posted(event).stream().filter(m -> m.channel().equals(channel)).toList();
    assertThat(found).as("%s in %s", event.type().eventName(), channel).hasSize(1);
    return found.get(0);
  }

  /** Makes every record of {@code rotation} {@code days} old. */
  private void age(String rotation, int days) throws SQLException {
    update(
        "UPDATE notifier_delivery SET delivered_at = now() - make_interval(days => ?)"
            + " WHERE rotation_id = ?",
        days,
        rotation);
    update(
        "UPDATE notifier_queue SET enqueued_at = now() - make_interval(days => ?),"
            + " finished_at = now() - make_interval(days => ?) WHERE rotation_id = ?",
        days,
        days,
        rotation);
    update(
        "UPDATE notifier_thread SET created_at = now() - make_interval(days => ?)"
            + " WHERE rotation_id = ?",
        days,
        rotation);
    update(
        "UPDATE notifier_rotation SET updated_at = now() - make_interval(days => ?)"
            + " WHERE rotation_id = ?",
        days,
        rotation);
  }

  private long rows(String table, String rotation) throws SQLException {
    return count("SELECT count(*) FROM " + table + " WHERE rotation_id = ?", rotation);
  }

  private long count(String sql, String parameter) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, parameter);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private void update(String sql, Object... parameters) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      s.executeUpdate();
    }
  }
}
