package dev.rotor.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Gives a {@code @QuarkusTest} application a database on the test JVM's PostgreSQL ({@link
 * PostgresServer}) that outlives the application: every start with the same {@link #NAME} gets the
 * same database, with what the previous application left in it. Tests of what survives a restart
 * use it from two test classes (two profiles, so Quarkus restarts in between):
 *
 * <pre>{@code
 * @WithTestResource(value = ReusedPostgresResource.class,
 *     initArgs = @ResourceArg(name = ReusedPostgresResource.NAME, value = "restart"))
 * }</pre>
 *
 * <p>The first start creates the database (a fresh, empty one, like {@link PostgresResource}); the
 * name-to-database mapping is kept in a system property, which every class loader of the JVM sees.
 * The database is dropped, at best effort, when the JVM exits (the embedded server's data go with
 * it anyway).
 */
public class ReusedPostgresResource implements QuarkusTestResourceLifecycleManager {

  /** Init arg: the name under which the database is reused. */
  public static final String NAME = "name";

  private static final String PROPERTY_PREFIX = "rotor.test.reused-database.";
  private static final Logger LOG = Logger.getLogger(ReusedPostgresResource.class);

  private String name;

  @Override
  public void init(Map<String, String> initArgs) {
    name = initArgs.get(NAME);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          "ReusedPostgresResource needs the init arg '" + NAME + "' (the database's reuse name)");
    }
  }

  @Override
  public Map<String, String> start() {
    String database = databaseFor(name);
    return Map.of(
        "quarkus.datasource.jdbc.url", PostgresServer.jdbcUrl(database),
        "quarkus.datasource.username", PostgresServer.username(),
        "quarkus.datasource.password", PostgresServer.password(),
        "quarkus.datasource.devservices.enabled", "false");
  }

  /** The database reused under {@code name}, created on first use; for tests that read it. */
  public static String databaseFor(String name) {
    synchronized (System.getProperties()) {
      String property = PROPERTY_PREFIX + name;
      String database = System.getProperty(property);
      if (database == null) {
        database = PostgresServer.createDatabase();
        System.setProperty(property, database);
        String created = database;
        Runtime.getRuntime()
            .addShutdownHook(new Thread(() -> dropQuietly(created), "rotor-postgres-drop-" + name));
      }
      return database;
    }
  }

  @Override
  public void stop() {
    // The database outlives the application on purpose: the next start with this name reuses it.
  }

  private static void dropQuietly(String database) {
    try {
      PostgresServer.dropDatabase(database);
    } catch (Throwable e) {
      // The server may be stopping too; the embedded one deletes its data directory anyway.
      LOG.debugf("Reused database %s not dropped at exit: %s", database, e.toString());
    }
  }
}
