package dev.rotor.devstack.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The devstack's PostgreSQL, as a process of its own: zonky's embedded PostgreSQL binaries (the
 * version the build pins) on 127.0.0.1, a database per Rotor service and per cluster's workload,
 * and the ledger's two roles (the owner that migrates, the app role that may only read and append).
 *
 * <p>Arguments: {@code <port> <data dir> <binaries dir> <ready file> <parent pid> <database>...}.
 * Each database is {@code name} or {@code name:owner-role:app-role}. Stops PostgreSQL on SIGTERM,
 * keeping its data: started again on the same data directory, it serves the same databases.
 */
public final class PostgresMain {
  private PostgresMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path data = Path.of(args[1]);
    Path binaries = Path.of(args[2]);
    Path ready = Path.of(args[3]);
    ParentWatch.start(Long.parseLong(args[4]));
    List<String> databases = List.of(args).subList(5, args.length);
    Files.createDirectories(binaries);
    Path serverLog = data.resolveSibling("server.log");
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setOverrideWorkingDirectory(binaries.toFile())
            .setDataDirectory(data)
            // The devstack wipes its folder before it starts; a restart (the chaos run's) keeps
            // the data, and stopping must not delete it.
            .setCleanDataDirectory(false)
            .setRegisterShutdownHook(false)
            .setPort(port)
            .setLocaleConfig("locale", "C")
            .setServerConfig("max_connections", "200")
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setPGStartupWait(Duration.ofSeconds(60))
            .setOutputRedirector(Redirect.appendTo(serverLog.toFile()))
            .setErrorRedirector(Redirect.appendTo(serverLog.toFile()))
            .start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    postgres.close();
                  } catch (IOException e) {
                    System.err.println("ROTOR-8012 PostgreSQL did not stop cleanly: " + e);
                  }
                  stopped.countDown();
                },
                "rotor-devstack-postgres-stop"));
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    try (Connection connection = DriverManager.getConnection(url, "postgres", "postgres");
        Statement sql = connection.createStatement()) {
      for (String spec : databases) {
        String[] parts = spec.split(":");
        String database = parts[0];
        if (exists(connection, database)) {
          System.out.println("ROTOR-8013 database " + database + " is there (a restart)");
          continue;
        }
        if (parts.length == 3) {
          sql.execute("CREATE ROLE " + parts[1] + " LOGIN PASSWORD '" + parts[1] + "'");
          sql.execute("CREATE ROLE " + parts[2] + " LOGIN PASSWORD '" + parts[2] + "'");
          sql.execute("CREATE DATABASE " + database + " OWNER " + parts[1]);
        } else {
          sql.execute("CREATE DATABASE " + database);
        }
        System.out.println("ROTOR-8013 created database " + database);
      }
    } catch (SQLException e) {
      System.err.println("ROTOR-8012 cannot create the databases: " + e.getMessage());
      System.exit(2);
    }
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("port", port);
    content.put("postmasterPid", postmasterPid(data));
    ReadyFile.write(ready, content);
    System.out.println("ROTOR-8014 PostgreSQL ready on 127.0.0.1:" + port + " (data " + data + ")");
    stopped.await();
  }

  private static boolean exists(Connection connection, String database) throws SQLException {
    try (var query = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      query.setString(1, database);
      try (var rows = query.executeQuery()) {
        return rows.next();
      }
    }
  }

  private static long postmasterPid(Path data) throws IOException {
    return Long.parseLong(
        Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.UTF_8).get(0).trim());
  }
}
