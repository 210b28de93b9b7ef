package dev.rotor.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Gives a {@code @QuarkusTest} application a fresh, empty database on the test JVM's PostgreSQL
 * ({@link PostgresServer}) and turns datasource Dev Services off. Each start creates a new
 * database, so test classes that restart the application (e.g. {@code @WithTestResource}, which by
 * default is restricted to the annotated class) never see each other's rows; {@link #stop()} drops
 * it.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

  private static final Logger LOG = Logger.getLogger(PostgresResource.class);

  private String database;

  @Override
  public Map<String, String> start() {
    database = PostgresServer.createDatabase();
    return Map.of(
        "quarkus.datasource.jdbc.url", PostgresServer.jdbcUrl(database),
        "quarkus.datasource.username", PostgresServer.username(),
        "quarkus.datasource.password", PostgresServer.password(),
        "quarkus.datasource.devservices.enabled", "false");
  }

  /** The database of the last {@link #start()}, or null. */
  public String database() {
    return database;
  }

  @Override
  public void stop() {
    if (database == null) {
      return;
    }
    try {
      PostgresServer.dropDatabase(database);
    } catch (IllegalStateException e) {
      // E.g. a test left the embedded server stopped; the database goes with the data directory.
      LOG.warnf("Database %s not dropped: %s", database, e.getMessage());
    }
    database = null;
  }
}
