package dev.rotor.testsupport;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One real PostgreSQL server for the whole test JVM, shared by plain tests and {@code @QuarkusTest}
 * applications alike, started on first use.
 *
 * <p>By default it is an embedded server (zonky's binaries from Maven, PostgreSQL 17) under {@code
 * target/postgres/}, stopped and deleted when the JVM exits. To use an external server instead, set
 * the JDBC URL in the environment variable {@code ROTOR_TEST_POSTGRES_URL} (or the system property
 * {@code rotor.test.postgres.url}, which wins), with {@code ROTOR_TEST_POSTGRES_USER} / {@code
 * ROTOR_TEST_POSTGRES_PASSWORD} (or {@code rotor.test.postgres.user} / {@code
 * rotor.test.postgres.password}; defaults {@code postgres} and no password). That user needs the
 * CREATEDB privilege; the database in the URL serves for CREATE/DROP DATABASE.
 *
 * <p>Tests never share a database: {@link #createDatabase()} gives a new, empty one.
 */
public final class PostgresServer {

  static final String URL_PROPERTY = "rotor.test.postgres.url";
  static final String USER_PROPERTY = "rotor.test.postgres.user";
  static final String PASSWORD_PROPERTY = "rotor.test.postgres.password";

  private static final SystemClassLoaderCopy JVM_WIDE =
      SystemClassLoaderCopy.of(PostgresServer.class);
  private static final Class<?>[] NONE = new Class<?>[0];
  private static final Class<?>[] NAME = new Class<?>[] {String.class};

  private static PostgresBackend backend;

  private PostgresServer() {}

  /** Creates an empty database with a unique name ({@code rotor_test_...}) and returns the name. */
  public static String createDatabase() {
    if (JVM_WIDE.isElsewhere()) {
      return JVM_WIDE.call("createDatabase", NONE);
    }
    return backend().createDatabase();
  }

  /** Drops a database, closing the connections that still use it. */
  public static void dropDatabase(String name) {
    if (JVM_WIDE.isElsewhere()) {
      JVM_WIDE.call("dropDatabase", NAME, name);
      return;
    }
    backend().dropDatabase(name);
  }

  /** The JDBC URL of {@code database} on this server (no credentials in it). */
  public static String jdbcUrl(String database) {
    if (JVM_WIDE.isElsewhere()) {
      return JVM_WIDE.call("jdbcUrl", NAME, database);
    }
    return backend().jdbcUrl(database);
  }

  /**
   * The user of {@link #superuserConnection(String)}: the embedded superuser or the external user.
   */
  public static String username() {
    if (JVM_WIDE.isElsewhere()) {
      return JVM_WIDE.call("username", NONE);
    }
    return backend().username();
  }

  public static String password() {
    if (JVM_WIDE.isElsewhere()) {
      return JVM_WIDE.call("password", NONE);
    }
    return backend().password();
  }

  /**
   * A new connection to {@code database} as {@link #username()}: the superuser on the embedded
   * server, the configured user on an external one. The caller closes it.
   */
  public static Connection superuserConnection(String database) throws SQLException {
    if (JVM_WIDE.isElsewhere()) {
      return JVM_WIDE.callSql("superuserConnection", NAME, database);
    }
    return backend().connect(database);
  }

  /** Whether this JVM runs the embedded server (and so may {@link #stop()} it). */
  public static boolean isEmbedded() {
    if (JVM_WIDE.isElsewhere()) {
      return JVM_WIDE.call("isEmbedded", NONE);
    }
    return backend().isEmbedded();
  }

  /**
   * Stops the embedded server, to simulate a database outage; {@link #start()} brings it back on
   * the same port with the same data. Open connections break.
   *
   * @throws UnsupportedOperationException when the tests use an external server
   */
  public static void stop() {
    if (JVM_WIDE.isElsewhere()) {
      JVM_WIDE.call("stop", NONE);
      return;
    }
    backend().stop();
  }

  /**
   * Starts the embedded server again after {@link #stop()}; does nothing if it runs.
   *
   * @throws UnsupportedOperationException when the tests use an external server
   */
  public static void start() {
    if (JVM_WIDE.isElsewhere()) {
      JVM_WIDE.call("start", NONE);
      return;
    }
    backend().start();
  }

  private static synchronized PostgresBackend backend() {
    if (backend == null) {
      String url = setting(URL_PROPERTY, "ROTOR_TEST_POSTGRES_URL", "");
      backend =
          url.isBlank()
              ? new EmbeddedPostgresBackend()
              : new ExternalPostgresBackend(
                  url,
                  setting(USER_PROPERTY, "ROTOR_TEST_POSTGRES_USER", "postgres"),
                  setting(PASSWORD_PROPERTY, "ROTOR_TEST_POSTGRES_PASSWORD", ""));
    }
    return backend;
  }

  private static String setting(String property, String environmentVariable, String fallback) {
    String value = System.getProperty(property);
    if (value == null) {
      value = System.getenv(environmentVariable);
    }
    return value != null ? value : fallback;
  }
}
