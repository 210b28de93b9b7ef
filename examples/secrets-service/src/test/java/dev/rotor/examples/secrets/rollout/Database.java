package dev.rotor.examples.secrets.rollout;

import dev.rotor.testsupport.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;

/** A fresh database on the test JVM's real PostgreSQL, shared by every instance of one test. */
record Database(String name, String jdbcUrl, String username, String password)
    implements AutoCloseable {

  static Database create() {
    String name = PostgresServer.createDatabase();
    return new Database(
        name, PostgresServer.jdbcUrl(name), PostgresServer.username(), PostgresServer.password());
  }

  Connection connect() throws SQLException {
    return PostgresServer.superuserConnection(name);
  }

  @Override
  public void close() {
    PostgresServer.dropDatabase(name);
  }
}
