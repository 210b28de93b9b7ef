package dev.rotor.ledger.support;

import dev.rotor.testsupport.PostgresServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * A fresh database on the test JVM's PostgreSQL with the two roles an operator creates for the
 * ledger: an owner that Flyway migrates as, and the application's role that connects for everything
 * else (it gets SELECT and INSERT from the migration, nothing more). Role names are derived from
 * the database's, so runs never share them.
 */
public class LedgerDatabaseResource implements QuarkusTestResourceLifecycleManager {
  /** Config key the tests read the database's name from. */
  public static final String DATABASE = "rotor.test.ledger.database";

  public static final String OWNER_PASSWORD = "owner-secret";
  public static final String APP_PASSWORD = "app-secret";

  private String database;

  @Override
  public Map<String, String> start() {
    database = PostgresServer.createDatabase();
    try (Connection connection = PostgresServer.superuserConnection(database);
        Statement sql = connection.createStatement()) {
      sql.execute("CREATE ROLE " + owner(database) + " LOGIN PASSWORD '" + OWNER_PASSWORD + "'");
      sql.execute("CREATE ROLE " + app(database) + " LOGIN PASSWORD '" + APP_PASSWORD + "'");
      sql.execute("GRANT CONNECT, CREATE ON DATABASE " + database + " TO " + owner(database));
      sql.execute("GRANT CONNECT ON DATABASE " + database + " TO " + app(database));
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot prepare the ledger's roles in " + database, e);
    }
    return Map.of(
        "quarkus.datasource.jdbc.url",
        PostgresServer.jdbcUrl(database),
        "quarkus.datasource.username",
        app(database),
        "quarkus.datasource.password",
        APP_PASSWORD,
        "quarkus.datasource.owner.username",
        owner(database),
        "quarkus.datasource.owner.password",
        OWNER_PASSWORD,
        DATABASE,
        database);
  }

  /** The owner role of a test database. */
  public static String owner(String database) {
    return database + "_owner";
  }

  /** The application role of a test database. */
  public static String app(String database) {
    return database + "_app";
  }

  @Override
  public void stop() {
    if (database == null) {
      return;
    }
    try {
      PostgresServer.dropDatabase(database);
      try (Connection connection = PostgresServer.superuserConnection("postgres");
          Statement sql = connection.createStatement()) {
        sql.execute("DROP ROLE IF EXISTS " + owner(database) + ", " + app(database));
      }
    } catch (RuntimeException | SQLException e) {
      // A test may have left the embedded server stopped; its data directory goes with the JVM.
    }
    database = null;
  }
}
