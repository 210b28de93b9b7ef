package dev.rotor.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresServerTest {

  @Test
  void embeddedServerIsPostgreSql17() throws SQLException {
    assumeTrue(PostgresServer.isEmbedded(), "an external server has the version it has");

    try (Connection connection = PostgresServer.superuserConnection("postgres")) {
      assertThat(query(connection, "select version()")).startsWith("PostgreSQL 17.");
    }
  }

  @Test
  void connectsToTheFreshEmptyDatabaseItCreated() throws SQLException {
    String database = PostgresServer.createDatabase();

    try (Connection connection = PostgresServer.superuserConnection(database)) {
      assertThat(query(connection, "select version()")).startsWith("PostgreSQL ");
      assertThat(query(connection, "select current_database()")).isEqualTo(database);
      assertThat(tableCount(connection)).isZero();
    } finally {
      PostgresServer.dropDatabase(database);
    }
  }

  @Test
  void givesEachResourceStartItsOwnEmptyDatabase() throws SQLException {
    PostgresResource first = new PostgresResource();
    PostgresResource second = new PostgresResource();
    Map<String, String> firstConfig = first.start();
    Map<String, String> secondConfig = second.start();
    try {
      assertThat(firstConfig.get("quarkus.datasource.jdbc.url"))
          .isNotEqualTo(secondConfig.get("quarkus.datasource.jdbc.url"));
      assertThat(firstConfig).containsEntry("quarkus.datasource.devservices.enabled", "false");
      try (Connection connection = connect(firstConfig)) {
        assertThat(tableCount(connection)).isZero();
        execute(connection, "create table rotation (id text primary key)");
        execute(connection, "insert into rotation values ('r-1')");
      }
      try (Connection connection = connect(secondConfig)) {
        assertThat(tableCount(connection)).isZero();
        assertThat(query(connection, "select current_database()")).isEqualTo(second.database());
      }
    } finally {
      first.stop();
      second.stop();
    }
  }

  @Test
  void dropsTheDatabaseWhenTheResourceStops() throws SQLException {
    PostgresResource resource = new PostgresResource();
    resource.start();
    String database = resource.database();

    resource.stop();

    try (Connection connection = PostgresServer.superuserConnection("postgres")) {
      assertThat(
              query(
                  connection,
                  "select count(*) from pg_database where datname = '" + database + "'"))
          .isEqualTo("0");
    }
  }

  @Test
  void keepsDataAcrossAStopAndStartOfTheEmbeddedServer() throws SQLException {
    assumeTrue(PostgresServer.isEmbedded(), "only the embedded server can be stopped");
    String database = PostgresServer.createDatabase();
    try (Connection connection = PostgresServer.superuserConnection(database)) {
      execute(connection, "create table entry (id int primary key)");
      execute(connection, "insert into entry values (1), (2)");
    }

    PostgresServer.stop();
    try {
      assertThatThrownBy(() -> PostgresServer.superuserConnection(database).close())
          .isInstanceOf(SQLException.class);
    } finally {
      PostgresServer.start();
    }

    try (Connection connection = PostgresServer.superuserConnection(database)) {
      assertThat(query(connection, "select count(*) from entry")).isEqualTo("2");
    }
  }

  private static Connection connect(Map<String, String> config) throws SQLException {
    return DriverManager.getConnection(
        config.get("quarkus.datasource.jdbc.url"),
        config.get("quarkus.datasource.username"),
        config.get("quarkus.datasource.password"));
  }

  private static long tableCount(Connection connection) throws SQLException {
    return Long.parseLong(
        query(
            connection,
            "select count(*) from information_schema.tables where table_schema = 'public'"));
  }

  private static String query(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      assertThat(result.next()).isTrue();
      return result.getString(1);
    }
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
