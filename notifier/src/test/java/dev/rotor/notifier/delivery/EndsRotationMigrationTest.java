package dev.rotor.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.notifier.TestEvents;
import dev.rotor.testsupport.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code V4__ends_rotation.sql} sets {@code ends_rotation} for the rows written before it: a queued
 * {@code DUPLICATE} rejection and its delivery do not end their rotation; any other rejection, a
 * rejection delivered without a queue row (before V2) and every completed, rolled-back or failed
 * event do; other events do not.
 */
class EndsRotationMigrationTest {
  private String database;

  @BeforeEach
  void createDatabase() {
    database = PostgresServer.createDatabase();
  }

  @AfterEach
  void dropDatabase() {
    PostgresServer.dropDatabase(database);
  }

  @Test
  void theBackfillTellsADuplicateAnswerFromARotationsEnd() throws Exception {
    migrateTo("3");
    EventEnvelope duplicate =
        TestEvents.of(
            EventType.ROTATION_REJECTED,
            "rot-backfill",
            data ->
                data.put("reason", "DUPLICATE")
                    .put("message", "rotation id was requested before")
                    .putNull("inFlightRotationId"));
    EventEnvelope inFlight = TestEvents.of(EventType.ROTATION_REJECTED, "rot-backfill");
    EventEnvelope completed = TestEvents.of(EventType.ROTATION_COMPLETED, "rot-backfill");
    EventEnvelope requested = TestEvents.of(EventType.ROTATION_REQUESTED, "rot-backfill");
    try (Connection c = PostgresServer.superuserConnection(database)) {
      for (EventEnvelope event : new EventEnvelope[] {duplicate, inFlight, completed, requested}) {
        queued(c, event.id(), event.type().eventName(), EventCodec.encode(event.data()));
        delivered(c, event.id(), event.type().eventName());
      }
      queued(c, "rejected-without-record", "rotation.rejected", null);
      delivered(c, "rejected-before-queues", "rotation.rejected");
    }

    migrateTo("4");

    try (Connection c = PostgresServer.superuserConnection(database)) {
      Map<String, Boolean> queue = endsRotation(c, "notifier_queue");
      Map<String, Boolean> deliveries = endsRotation(c, "notifier_delivery");
      assertThat(queue)
          .containsEntry(duplicate.id(), false)
          .containsEntry(inFlight.id(), true)
          .containsEntry(completed.id(), true)
          .containsEntry(requested.id(), false)
          .containsEntry("rejected-without-record", true);
      assertThat(deliveries)
          .containsEntry(duplicate.id(), false)
          .containsEntry(inFlight.id(), true)
          .containsEntry(completed.id(), true)
          .containsEntry(requested.id(), false)
          .containsEntry("rejected-before-queues", true);
    }
  }

  private void migrateTo(String version) {
    Flyway.configure()
        .dataSource(
            PostgresServer.jdbcUrl(database), PostgresServer.username(), PostgresServer.password())
        .locations("classpath:db/migration")
        .target(version)
        .load()
        .migrate();
  }

  private static void queued(Connection c, String eventId, String type, byte[] value)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO notifier_queue (event_id, channel, channel_name, event_type, rotation_id,"
                + " record_topic, record_partition, record_offset, record_timestamp, record_value,"
                + " record_headers, state, enqueued_at, finished_at) VALUES (?, 'C-backfill',"
                + " 'backfill', ?, 'rot-backfill', 'rotor.rotations', 0, 0, 0, ?, '[]',"
                + " 'delivered', now(), now())")) {
      s.setString(1, eventId);
      s.setString(2, type);
      s.setBytes(3, value);
      s.executeUpdate();
    }
  }

  private static void delivered(Connection c, String eventId, String type) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO notifier_delivery (event_id, channel, event_type, rotation_id, attempts,"
                + " delivered_at) VALUES (?, 'C-backfill', ?, 'rot-backfill', 1, now())")) {
      s.setString(1, eventId);
      s.setString(2, type);
      s.executeUpdate();
    }
  }

  private static Map<String, Boolean> endsRotation(Connection c, String table) throws SQLException {
    Map<String, Boolean> ends = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement("SELECT event_id, ends_rotation FROM " + table);
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        ends.put(r.getString(1), r.getBoolean(2));
      }
    }
    return ends;
  }
}
