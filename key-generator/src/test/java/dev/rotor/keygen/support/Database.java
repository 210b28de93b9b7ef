package dev.rotor.keygen.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Reads the key-generator's tables the way a person with psql would. */
public final class Database {
  private final DataSource dataSource;

  public Database(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The status of a rotation, or null if there is no row. */
  public String status(String rotationId) {
    return single("SELECT status FROM rotation WHERE rotation_id = ?", rotationId);
  }

  /** When the cadence of {@code targetId} started: its baseline. */
  public Instant baseline(String targetId) {
    String text =
        single(
            "SELECT to_char(first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                + " FROM cadence_baseline WHERE target_id = ?",
            targetId);
    return text == null ? null : Instant.parse(text);
  }

  /** When a rotation ended, or null. */
  public Instant endedAt(String rotationId) {
    String text =
        single(
            "SELECT to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                + " FROM rotation WHERE rotation_id = ?",
            rotationId);
    return text == null ? null : Instant.parse(text);
  }

  /** The number of rows {@code sql} counts. */
  public long count(String sql, Object... parameters) {
    return Long.parseLong(single(sql, parameters));
  }

  /** Runs an update and returns the number of rows changed. */
  public int update(String sql, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Every row of every table of the schema, as PostgreSQL prints a row. */
  public List<String> dumpEveryRow() {
    List<String> rows = new ArrayList<>();
    for (String table :
        column(
            "SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
      rows.add("-- table " + table);
      rows.addAll(column("SELECT t::text FROM \"" + table + "\" t"));
    }
    return rows;
  }

  /** The first column of the first row {@code sql} selects, or null. */
  public String single(String sql, Object... parameters) {
    List<String> values = column(sql, parameters);
    return values.isEmpty() ? null : values.get(0);
  }

  private List<String> column(String sql, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      List<String> values = new ArrayList<>();
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          values.add(result.getString(1));
        }
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
    for (int i = 0; i < parameters.length; i++) {
      statement.setObject(i + 1, parameters[i]);
    }
  }
}
