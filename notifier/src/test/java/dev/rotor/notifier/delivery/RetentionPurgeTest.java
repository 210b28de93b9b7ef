package dev.rotor.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
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
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The delivery records of a rotation go once it ended and its newest record is {@code
 * retention.keep} (P100D) old, all together; those of a rotation still going, of one with a recent
 * record or a pending queue row, stay; records without a rotation, or of a rotation the notifier
 * keeps nothing of for later events (no thread, no {@code notifier_rotation}), go by age.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class RetentionPurgeTest {
  private static CapturedLogs logs;

  @Inject AgroalDataSource dataSource;
  @Inject RetentionPurge purge;
  @Inject MeterRegistry registry;

  @BeforeAll
  static void captureLogs() {
    logs = CapturedLogs.install();
  }

  @Test
  void theRecordsOfARotationThatEndedLongAgoGoTogetherAndEverythingElseStays() throws Exception {
    String ended = rotation("ended");
    String endedRecently = rotation("recent");
    String notEnded = rotation("open");
    String pending = rotation("pending");
    String nothingKept = rotation("nothing-kept");
    // Ended, every record older than 100 days: all four tables lose its rows.
    delivered(ended, "rotation.requested", 120);
    delivered(ended, "rotation.completed", 101);
    queued(ended, "rotation.completed", "delivered", 101);
    thread(ended, 120);
    rotationRow(ended, 101);
    // Ended, but its last record is 99 days old: an event of it may still be in a topic.
    delivered(endedRecently, "rotation.requested", 120);
    delivered(endedRecently, "rotation.failed", 99);
    thread(endedRecently, 120);
    // Old, but never ended (no terminal event was seen).
    delivered(notEnded, "rotation.requested", 200);
    thread(notEnded, 200);
    // Not ended, but nothing of it that later events need (a DUPLICATE answer naming a rotation
    // the notifier knows nothing else of): its records go by age.
    delivered(nothingKept, "rotation.rejected", 101);
    queued(nothingKept, "rotation.rejected", "delivered", 101);
    // Ended and old, but something of it still waits in a queue.
    delivered(pending, "rotation.rolled-back", 150);
    queued(pending, "rotation.rolled-back", "pending", 150);
    // Without a rotation: by age alone.
    String oldLoose = delivered(null, "ledger.checkpoint", 101);
    String youngLoose = delivered(null, "ledger.checkpoint", 99);
    double before = registry.get("rotor.notifier.records.purged").counter().count();

    long deleted = purge.purge();

    assertThat(deleted).isGreaterThanOrEqualTo(8);
    for (String table :
        new String[] {
          "notifier_delivery", "notifier_queue", "notifier_thread", "notifier_rotation"
        }) {
      assertThat(rows(table, ended)).as(table).isZero();
    }
    assertThat(rows("notifier_delivery", endedRecently)).isEqualTo(2);
    assertThat(rows("notifier_thread", endedRecently)).isEqualTo(1);
    assertThat(rows("notifier_delivery", notEnded)).isEqualTo(1);
    assertThat(rows("notifier_thread", notEnded)).isEqualTo(1);
    assertThat(rows("notifier_delivery", nothingKept)).isZero();
    assertThat(rows("notifier_queue", nothingKept)).isZero();
    assertThat(rows("notifier_delivery", pending)).isEqualTo(1);
    assertThat(rows("notifier_queue", pending)).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM notifier_delivery WHERE event_id = ?", oldLoose))
        .isZero();
    assertThat(count("SELECT count(*) FROM notifier_delivery WHERE event_id = ?", youngLoose))
        .isEqualTo(1);
    assertThat(registry.get("rotor.notifier.records.purged").counter().count())
        .isEqualTo(before + deleted);
    assertThat(logs.containing("ROTOR-6101 purged " + deleted + " delivery record(s)")).hasSize(1);
    assertThat(purge.purge()).as("a second run finds nothing").isZero();
  }

  private static String rotation(String name) {
    return "purge-" + name + "-" + UUID.randomUUID();
  }

  private String delivered(String rotationId, String type, int daysAgo) throws SQLException {
    String eventId = UUID.randomUUID().toString();
    update(
        "INSERT INTO notifier_delivery (event_id, channel, event_type, rotation_id, ends_rotation,"
            + " attempts, delivered_at) VALUES (?, 'C-purge', ?, ?, ?, 1,"
            + " now() - make_interval(days => ?))",
        eventId,
        type,
        rotationId,
        ends(type),
        daysAgo);
    return eventId;
  }

  private void queued(String rotationId, String type, String state, int daysAgo)
      throws SQLException {
    update(
        "INSERT INTO notifier_queue (event_id, channel, channel_name, event_type, rotation_id,"
            + " ends_rotation, record_topic, record_partition, record_offset, record_timestamp,"
            + " record_headers, state, enqueued_at, finished_at) VALUES (?, 'C-purge', 'purge', ?,"
            + " ?, ?, 'rotor.verifications', 0, 0, 0, '[]', ?, now() - make_interval(days => ?),"
            + " CASE WHEN ? = 'pending' THEN NULL ELSE now() - make_interval(days => ?) END)",
        UUID.randomUUID().toString(),
        type,
        rotationId,
        ends(type),
        state,
        daysAgo,
        state,
        daysAgo);
  }

  /** As the notifier records it for these types (RotationEvents.endsRotation). */
  private static boolean ends(String type) {
    return type.equals("rotation.completed")
        || type.equals("rotation.rolled-back")
        || type.equals("rotation.failed");
  }

  private void thread(String rotationId, int daysAgo) throws SQLException {
    update(
        "INSERT INTO notifier_thread (rotation_id, channel, ts, event_id, created_at)"
            + " VALUES (?, 'C-purge', '1.0', 'e', now() - make_interval(days => ?))",
        rotationId,
        daysAgo);
  }

  private void rotationRow(String rotationId, int daysAgo) throws SQLException {
    update(
        "INSERT INTO notifier_rotation (rotation_id, target_id, updated_at)"
            + " VALUES (?, 'shop/key', now() - make_interval(days => ?))",
        rotationId,
        daysAgo);
  }

  private long rows(String table, String rotationId) throws SQLException {
    return count("SELECT count(*) FROM " + table + " WHERE rotation_id = ?", rotationId);
  }

  private long count(String sql, Object... parameters) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
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
