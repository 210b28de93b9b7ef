package dev.rotor.examples.secrets.rollout;

import dev.rotor.testsupport.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;

/** A fresh database on the test JVM's real PostgreSQL, shared by every instance of one test. */
record Database(String name) implements AutoCloseable {

  static Database create() {
    return new Database(PostgresServer.createDatabase());
  }

  Connection connect() throws SQLException {
    return PostgresServer.superuserConnection(name);
  }

  @Override
  public void close() {
    PostgresServer.dropDatabase(name);
  }
}
