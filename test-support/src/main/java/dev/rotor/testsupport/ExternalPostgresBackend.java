package dev.rotor.testsupport;

/**
 * A PostgreSQL server that runs outside the test JVM, e.g. Debian's {@code postgresql} started by
 * CI. The user needs the CREATEDB privilege; the database in the URL serves for CREATE/DROP
 * DATABASE ({@code postgres} if the URL names none).
 */
final class ExternalPostgresBackend extends PostgresBackend {

  private static final String PREFIX = "jdbc:postgresql://";

  private final String url;
  private final String username;
  private final String password;

  ExternalPostgresBackend(String url, String username, String password) {
    if (!url.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "The external PostgreSQL URL must look like jdbc:postgresql://host:port/database: "
              + url);
    }
    this.url = url;
    this.username = username;
    this.password = password;
  }

  @Override
  String jdbcUrl(String database) {
    return withDatabase(url, database);
  }

  @Override
  String username() {
    return username;
  }

  @Override
  String password() {
    return password;
  }

  @Override
  String maintenanceDatabase() {
    String path = hostsAndPath(url);
    int slash = path.indexOf('/');
    String database = slash < 0 ? "" : path.substring(slash + 1);
    return database.isEmpty() ? "postgres" : database;
  }

  @Override
  boolean isEmbedded() {
    return false;
  }

  @Override
  void start() {
    throw notEmbedded();
  }

  @Override
  void stop() {
    throw notEmbedded();
  }

  private UnsupportedOperationException notEmbedded() {
    return new UnsupportedOperationException(
        "Only the embedded PostgreSQL can be stopped and started by a test; this run uses " + url);
  }

  /** {@code url} with its database replaced by {@code database}, query parameters kept. */
  static String withDatabase(String url, String database) {
    String path = hostsAndPath(url);
    int slash = path.indexOf('/');
    String hosts = slash < 0 ? path : path.substring(0, slash);
    int query = url.indexOf('?');
    return PREFIX + hosts + "/" + database + (query < 0 ? "" : url.substring(query));
  }

  private static String hostsAndPath(String url) {
    int query = url.indexOf('?');
    return url.substring(PREFIX.length(), query < 0 ? url.length() : query);
  }
}
