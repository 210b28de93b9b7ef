package dev.rotor.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** A PostgreSQL server that tests reach over JDBC: the embedded one or an external one. */
abstract class PostgresBackend {

  /** Prefix of the databases created for tests, so that they are easy to find and drop. */
  static final String DATABASE_PREFIX = "rotor_test_";

  abstract String jdbcUrl(String database);

  abstract String username();

  abstract String password();

  /** The database to connect to for CREATE/DROP DATABASE. */
  abstract String maintenanceDatabase();

  abstract boolean isEmbedded();

  abstract void start();

  abstract void stop();

  Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database), username(), password());
  }

  /** Creates an empty database with a name no other test uses, and returns the name. */
  String createDatabase() {
    String name = DATABASE_PREFIX + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    execute("CREATE DATABASE " + quote(name));
    return name;
  }

  /** Drops the database, closing the connections that still use it. */
  void dropDatabase(String name) {
    execute("DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)");
  }

  private void execute(String sql) {
    try (Connection connection = connect(maintenanceDatabase());
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "PostgreSQL at " + jdbcUrl(maintenanceDatabase()) + ": " + sql, e);
    }
  }

  private static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
