package dev.rotor.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventType;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
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
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The delivery records of a rotation go once it ended and its newest record is {@code
 * retention.keep} (P100D) old, all together; those of a rotation still going, of one with a recent
 * record or a pending queue row, stay; records without a rotation, of a rotation never admitted
 * (only a request and its rejection), or of one the notifier keeps nothing of for later events (no
 * thread, no {@code notifier_rotation}), go by age.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class RetentionPurgeTest {
  private static final List<String> TABLES =
      List.of("notifier_delivery", "notifier_queue", "notifier_thread", "notifier_rotation");
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
    // Old, admitted, but never ended (no terminal event was seen).
    delivered(notEnded, "rotation.requested", 200);
    delivered(notEnded, "key.generated", 200);
    thread(notEnded, 200);
    rotationRow(notEnded, 200);
    // Not ended, but nothing of it that later events need (a DUPLICATE answer naming a rotation
    // the notifier knows nothing else of): its records go by age.
    duplicateAnswer(nothingKept, 101);
    // Ended and old, but something of it still waits in a queue.
    delivered(pending, "rotation.rolled-back", 150);
    queued(pending, "rotation.rolled-back", "pending", 150);
    // Without a rotation: by age alone.
    String oldLoose = delivered(null, "ledger.checkpoint", 101);
    String youngLoose = delivered(null, "ledger.checkpoint", 99);
    double before = registry.get("rotor.notifier.records.purged").counter().count();

    long deleted = purge.purge();

    assertThat(deleted).isGreaterThanOrEqualTo(8);
    for (String table : TABLES) {
      assertThat(rows(table, ended)).as(table).isZero();
    }
    assertThat(rows("notifier_delivery", endedRecently)).isEqualTo(2);
    assertThat(rows("notifier_thread", endedRecently)).isEqualTo(1);
    assertThat(rows("notifier_delivery", notEnded)).isEqualTo(2);
    assertThat(rows("notifier_thread", notEnded)).isEqualTo(1);
    assertThat(rows("notifier_rotation", notEnded)).isEqualTo(1);
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

  @Test
  void aRotationNeverAdmittedGoesByAgeEvenWithAThread() throws Exception {
    // A request reused the id of a rotation whose records were purged: its rotation.requested
    // started a thread and a notifier_rotation row for that id, its DUPLICATE answer ends nothing.
    String reused = rotation("reused");
    delivered(reused, "rotation.requested", 101);
    queued(reused, "rotation.requested", "delivered", 101);
    thread(reused, 101);
    rotationRow(reused, 101);
    duplicateAnswer(reused, 101);
    // The same, but its newest record is 99 days old.
    String reusedRecently = rotation("reused-recent");
    delivered(reusedRecently, "rotation.requested", 101);
    thread(reusedRecently, 101);
    rotationRow(reusedRecently, 101);
    duplicateAnswer(reusedRecently, 99);
    // Admitted (a key was generated), silent for long, a DUPLICATE answer: in flight, it stays.
    String admitted = rotation("admitted");
    delivered(admitted, "rotation.requested", 150);
    queued(admitted, "key.generated", "delivered", 150);
    thread(admitted, 150);
    rotationRow(admitted, 150);
    duplicateAnswer(admitted, 101);

    purge.purge();

    for (String table : TABLES) {
      assertThat(rows(table, reused)).as(table).isZero();
    }
    assertThat(rows("notifier_delivery", reusedRecently)).isEqualTo(2);
    assertThat(rows("notifier_thread", reusedRecently)).isEqualTo(1);
    assertThat(rows("notifier_delivery", admitted)).isEqualTo(2);
    assertThat(rows("notifier_queue", admitted)).isEqualTo(2);
    assertThat(rows("notifier_thread", admitted)).isEqualTo(1);
    assertThat(rows("notifier_rotation", admitted)).isEqualTo(1);
  }

  @Test
  void aRotationEndedUnderAnOlderVersionGoesThoughItsRowsSayNotEnded() throws Exception {
    // An older notifier (a rolling upgrade, a rollback) writes ends_rotation's default, false.
    String ended = rotation("old-version");
    delivered(ended, "rotation.requested", 120, false);
    delivered(ended, "key.generated", 120, false);
    delivered(ended, "rotation.rolled-back", 101, false);
    thread(ended, 120);
    rotationRow(ended, 120);
    String failed = rotation("old-version-queued");
    delivered(failed, "rotation.requested", 120, false);
    queued(failed, "key.generated", "delivered", 120, false);
    queued(failed, "rotation.failed", "given-up", 101, false);
    thread(failed, 120);
    rotationRow(failed, 120);

    purge.purge();

    for (String table : TABLES) {
      assertThat(rows(table, ended)).as(table).isZero();
      assertThat(rows(table, failed)).as(table).isZero();
    }
  }

  @Test
  void rowsOfARotationCommittedAfterItWasPickedStay() throws Exception {
    String ended = rotation("race-insert");
    delivered(ended, "rotation.requested", 120);
    String completed = delivered(ended, "rotation.completed", 101);
    thread(ended, 120);
    rotationRow(ended, 120);

    long deleted =
        purgeWhileHeldAt(
            completed,
            () -> {
              // A later event of the rotation (e.g. a request that reuses its id) commits its rows
              // after the purge picked the rotation, before it deletes from their tables.
              queued(ended, "rotation.requested", "delivered", 0);
              thread(ended, "C-late", 0);
            });

    assertThat(deleted).isGreaterThanOrEqualTo(4);
    assertThat(rows("notifier_delivery", ended)).isZero();
    assertThat(rows("notifier_rotation", ended)).isZero();
    assertThat(rows("notifier_queue", ended)).as("committed after the pick").isEqualTo(1);
    assertThat(rows("notifier_thread", ended)).as("committed after the pick").isEqualTo(1);
  }

  @Test
  void aBatchWithARotationChangedAfterItWasPickedIsLeftForTheNextRun() throws Exception {
    String ended = rotation("race-update");
    delivered(ended, "rotation.requested", 120);
    String completed = delivered(ended, "rotation.completed", 101);
    thread(ended, 120);
    rotationRow(ended, 120);

    long deleted =
        purgeWhileHeldAt(
            completed,
            // A later event of the rotation updates what the notifier remembers of it.
            () ->
                update(
                    "UPDATE notifier_rotation SET updated_at = now() WHERE rotation_id = ?",
                    ended));

    assertThat(deleted).as("the batch rolled back").isZero();
    assertThat(rows("notifier_delivery", ended)).isEqualTo(2);
    assertThat(rows("notifier_thread", ended)).isEqualTo(1);
    assertThat(rows("notifier_rotation", ended)).isEqualTo(1);
    assertThat(logs.containing("ROTOR-6102")).isNotEmpty();
    assertThat(purge.purge()).as("now with a recent row, it stays").isZero();
    assertThat(rows("notifier_delivery", ended)).isEqualTo(2);
  }

  /**
   * Runs the purge while another transaction holds the delivery row {@code eventId} locked, so that
   * the purge has picked its rotations and waits in its first DELETE; then runs {@code meanwhile},
   * lets the purge go on, and returns what it deleted.
   */
  private long purgeWhileHeldAt(String eventId, SqlAction meanwhile) throws Exception {
    CompletableFuture<Long> run;
    try (Connection lock = dataSource.getConnection()) {
      lock.setAutoCommit(false);
      try (PreparedStatement s =
          lock.prepareStatement("SELECT 1 FROM notifier_delivery WHERE event_id = ? FOR UPDATE")) {
        s.setString(1, eventId);
        s.executeQuery().close();
      }
      run = CompletableFuture.supplyAsync(purge::purge);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  count(
                          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                              + " AND wait_event_type = 'Lock'"
                              + " AND query LIKE ?",
                          "DELETE FROM notifier_delivery %")
                      == 1);
      meanwhile.run();
      lock.commit();
    }
    return run.get(30, TimeUnit.SECONDS);
  }

  @FunctionalInterface
  private interface SqlAction {
    void run() throws SQLException;
  }

  private static String rotation(String name) {
    return "purge-" + name + "-" + UUID.randomUUID();
  }

  private String delivered(String rotationId, String type, int daysAgo) throws SQLException {
    return delivered(rotationId, type, daysAgo, ends(type));
  }

  private String delivered(String rotationId, String type, int daysAgo, boolean endsRotation)
      throws SQLException {
    String eventId = UUID.randomUUID().toString();
    update(
        "INSERT INTO notifier_delivery (event_id, channel, event_type, rotation_id, ends_rotation,"
            + " attempts, delivered_at) VALUES (?, 'C-purge', ?, ?, ?, 1,"
            + " now() - make_interval(days => ?))",
        eventId,
        type,
        rotationId,
        endsRotation,
        daysAgo);
    return eventId;
  }

  private void queued(String rotationId, String type, String state, int daysAgo)
      throws SQLException {
    queued(rotationId, type, state, daysAgo, ends(type));
  }

  private void queued(
      String rotationId, String type, String state, int daysAgo, boolean endsRotation)
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
        endsRotation,
        state,
        daysAgo,
        state,
        daysAgo);
  }

  /**
   * The key-generator's DUPLICATE answer to a request that reused {@code rotationId}, delivered and
   * its queue row finished, as the notifier records it.
   */
  private void duplicateAnswer(String rotationId, int daysAgo) throws SQLException {
    boolean ends =
        RotationEvents.endsRotation(
            TestEvents.of(
                EventType.ROTATION_REJECTED,
                rotationId,
                data -> data.put("reason", "DUPLICATE").putNull("inFlightRotationId")));
    assertThat(ends).as("a DUPLICATE answer ends nothing").isFalse();
    delivered(rotationId, "rotation.rejected", daysAgo, ends);
    queued(rotationId, "rotation.rejected", "delivered", daysAgo, ends);
  }

  /**
   * What the notifier records for the sample event of {@code type} ({@link
   * RotationEvents#endsRotation}); its {@code rotation.rejected} answers the rotation's own request
   * ({@code IN_FLIGHT}), so it ends the rotation. For a DUPLICATE answer see {@link
   * #duplicateAnswer}.
   */
  private static boolean ends(String type) {
    EventType eventType =
        Arrays.stream(EventType.values())
            .filter(t -> t.eventName().equals(type))
            .findFirst()
            .orElseThrow();
    return RotationEvents.endsRotation(TestEvents.of(eventType, "purge-sample"));
  }

  private void thread(String rotationId, int daysAgo) throws SQLException {
    thread(rotationId, "C-purge", daysAgo);
  }

  private void thread(String rotationId, String channel, int daysAgo) throws SQLException {
    update(
        "INSERT INTO notifier_thread (rotation_id, channel, ts, event_id, created_at)"
            + " VALUES (?, ?, '1.0', 'e', now() - make_interval(days => ?))",
        rotationId,
        channel,
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
