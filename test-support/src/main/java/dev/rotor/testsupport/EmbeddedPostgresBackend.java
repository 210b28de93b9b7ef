package dev.rotor.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * PostgreSQL from zonky's embedded binaries (the version the binaries BOM picks), run as a child
 * process of the test JVM. Binaries are unpacked once into {@code target/postgres/}; each JVM gets
 * its own directory there ({@code jvm-<pid>-<id>/}) with the data directory, kept across {@link
 * #stop()} and {@link #start()} (same port, same data), and the server's log ({@code postgres.log},
 * kept out of the test output); it is deleted when the JVM exits. As root, zonky runs the server in
 * a user namespace ({@code unshare -U}), where it is {@code nobody}.
 */
final class EmbeddedPostgresBackend extends PostgresBackend {

  private static final Logger LOG = Logger.getLogger(EmbeddedPostgresBackend.class);
  private static final String SUPERUSER = "postgres";

  private final Path workingDirectory;
  private final Path jvmDirectory;
  private final Path dataDirectory;
  private final Path logFile;
  private final int port;
  private EmbeddedPostgres server;

  EmbeddedPostgresBackend() {
    QuietLogging.warnOnly("io.zonky.test.db");
    workingDirectory = TestDirectories.componentDirectory("postgres");
    jvmDirectory = TestDirectories.newJvmDirectory("postgres", "jvm");
    dataDirectory = jvmDirectory.resolve("data");
    logFile = jvmDirectory.resolve("postgres.log");
    try {
      Files.createDirectories(jvmDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + jvmDirectory, e);
    }
    port = freePort();
    start();
    Runtime.getRuntime().addShutdownHook(new Thread(this::destroy, "rotor-postgres-stop"));
  }

  @Override
  String jdbcUrl(String database) {
    return "jdbc:postgresql://localhost:" + port + "/" + database;
  }

  @Override
  String username() {
    return SUPERUSER;
  }

  @Override
  String password() {
    // The embedded server trusts local connections; any password is accepted.
    return SUPERUSER;
  }

  @Override
  String maintenanceDatabase() {
    return "postgres";
  }

  @Override
  boolean isEmbedded() {
    return true;
  }

  @Override
  synchronized void start() {
    if (server != null) {
      return;
    }
    long started = System.nanoTime();
    try {
      server =
          EmbeddedPostgres.builder()
              .setOverrideWorkingDirectory(workingDirectory.toFile())
              .setDataDirectory(dataDirectory)
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(false)
              .setPort(port)
              .setLocaleConfig("locale", "C")
              .setPGStartupWait(Duration.ofSeconds(30))
              .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
              .setErrorRedirector(Redirect.appendTo(logFile.toFile()))
              .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "Cannot start the embedded PostgreSQL in "
              + dataDirectory
              + "; its log ends with:\n"
              + logTail(),
          e);
    }
    LOG.infof(
        "Embedded PostgreSQL ready at %s in %d ms (data %s)",
        jdbcUrl(""), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dataDirectory);
  }

  @Override
  synchronized void stop() {
    if (server == null) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot stop the embedded PostgreSQL", e);
    } finally {
      server = null;
    }
  }

  private void destroy() {
    try {
      stop();
    } finally {
      TestDirectories.deleteRecursively(jvmDirectory);
    }
  }

  /** The log's last lines: the directory goes when the JVM exits, the exception stays. */
  private String logTail() {
    try (Stream<String> lines = Files.lines(logFile)) {
      List<String> all = lines.toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log at " + logFile + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("No free port for PostgreSQL", e);
    }
  }
}
