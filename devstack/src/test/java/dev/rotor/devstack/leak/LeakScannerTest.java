package dev.rotor.devstack.leak;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leak scan against real components: a key planted in each encoding in a log file, a Kafka
 * record (key, value, header), a PostgreSQL row (text and bytea), a Git blob (reachable and
 * unreachable) and an HTTP response is found, with where it is, whose key and which encoding; and
 * nothing is found where nothing was planted.
 */
class LeakScannerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String TOPIC = "leak-test-" + UUID.randomUUID();
  private static final byte[] FIRST = key();
  private static final byte[] SECOND = key();
  private static final String FIRST_ID = keyId(FIRST);
  private static final String SECOND_ID = keyId(SECOND);

  @TempDir static Path dir;
  private static String database;
  private static HttpServer http;
  private static Path repository;
  private static ObjectId unreachable;

  @BeforeAll
  static void plant() throws Exception {
    // Logs: a service's log and a pod's log.
    Path logs = dir.resolve("logs");
    Files.createDirectories(logs.resolve("pods/aether-staging"));
    Files.writeString(
        logs.resolve("verifier.log"),
        "10:00:00 INFO started\n10:00:01 INFO checking\n10:00:02 DEBUG key "
            + Base64.getEncoder().encodeToString(FIRST)
            + " loaded\n");
    Files.writeString(
        logs.resolve("pods/aether-staging/secrets-service-1.log"),
        "started\nkeyring " + HexFormat.of().withUpperCase().formatHex(SECOND) + "\n");

    // Kafka: a key in a record's key, value and a header; and the key.generated naming FIRST.
    KafkaBroker.createTopics(TOPIC);
    try (KafkaTestClient kafka = new KafkaTestClient(KafkaBroker.bootstrapServers())) {
      kafka.produce(
          TOPIC,
          "clean",
          List.of(KafkaTestClient.header("ce_type", "dev.rotor.key.generated.v1")),
          ("{\"rotationId\":\"rotation-of-first\",\"keyId\":\"" + FIRST_ID + "\"}")
              .getBytes(StandardCharsets.UTF_8));
      kafka.produce(
          TOPIC,
          "clean",
          List.of(),
          ("{\"debug\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(FIRST) + "\"}")
              .getBytes(StandardCharsets.UTF_8));
      List<Header> headers = new ArrayList<>();
      headers.add(new org.apache.kafka.common.header.internals.RecordHeader("x-debug", SECOND));
      kafka.produce(TOPIC, "clean", headers, "{}".getBytes(StandardCharsets.UTF_8));
      kafka.produce(
          TOPIC, HexFormat.of().formatHex(FIRST), List.of(), "{}".getBytes(StandardCharsets.UTF_8));
    }

    // PostgreSQL: a text column and a bytea column.
    database = PostgresServer.createDatabase();
    try (Connection connection = PostgresServer.superuserConnection(database);
        Statement sql = connection.createStatement()) {
      sql.execute("CREATE TABLE audit (id int, note text, payload bytea)");
      sql.execute("INSERT INTO audit VALUES (1, 'clean', NULL)");
      try (PreparedStatement insert =
          connection.prepareStatement("INSERT INTO audit VALUES (2, ?, NULL), (3, 'x', ?)")) {
        insert.setString(1, "token " + Base64.getUrlEncoder().encodeToString(SECOND));
        insert.setBytes(2, FIRST);
        insert.executeUpdate();
      }
    }

    // Git: a committed manifest with the key, and an object no ref reaches.
    repository = dir.resolve("git/gitops.git");
    Path work = dir.resolve("work");
    try (Git git = Git.init().setDirectory(work.toFile()).setGitDir(repository.toFile()).call()) {
      Files.writeString(
          work.resolve("secret.yaml"),
          "data:\n  keyring.key."
              + SECOND_ID
              + ": "
              + Base64.getEncoder().withoutPadding().encodeToString(SECOND)
              + "\n");
      git.add().addFilepattern("secret.yaml").call();
      git.commit().setMessage("a plain key in Git").setSign(false).call();
      try (ObjectInserter inserter = git.getRepository().newObjectInserter()) {
        unreachable =
            inserter.insert(
                Constants.OBJ_BLOB,
                ("dangling " + Base64.getEncoder().encodeToString(FIRST))
                    .getBytes(StandardCharsets.US_ASCII));
        inserter.flush();
      }
    }

    // HTTP: an endpoint that answers with a key.
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/q/metrics",
        exchange -> {
          byte[] body =
              ("# a metric\nkey_info{key=\""
                      + Base64.getEncoder().encodeToString(SECOND)
                      + "\"} 1\n")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    // A ledger whose one rotation has 600 entries: its timeline comes in pages of at most 500,
    // and only the second page carries a key.
    http.createContext(
        "/ledger",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String query = String.valueOf(exchange.getRequestURI().getRawQuery());
          String body = "{}";
          if (path.equals("/ledger/rotations")) {
            body =
                query.contains("offset=0") ? "[{\"rotationId\":\"r-long\",\"entries\":600}]" : "[]";
          } else if (path.equals("/ledger/checkpoints")) {
            body = "[]";
          } else if (path.equals("/ledger/export/entries")) {
            body = "";
          } else if (path.equals("/ledger/rotations/r-long/timeline")
              && query.contains("offset=500")) {
            body =
                "{\"entries\":[{\"debug\":\""
                    + Base64.getEncoder().encodeToString(SECOND)
                    + "\"}],\"offset\":500}";
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
          if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
          }
          exchange.close();
        });
    http.start();
  }

  @Test
  void everyPageOfALongTimelineOfTheLedgerIsScanned() throws IOException {
    Path keyrings = dir.resolve("mounts-ledger");
    mount(keyrings, SECOND);
    ScanTargets plain = targets(keyrings);
    URI ledger = URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    ScanTargets withLedger =
        new ScanTargets(
            plain.base(),
            plain.clusterApis(),
            plain.keyringDirs(),
            plain.kafkaBootstrap(),
            plain.logDirs(),
            plain.postgres(),
            plain.postgresUser(),
            plain.postgresPassword(),
            plain.gitRoots(),
            ledger,
            plain.httpUrls());

    ScanReport report = LeakScanner.scan(withLedger);

    assertThat(report.errors()).isEmpty();
    assertThat(report.findings())
        .extracting(f -> f.source() + " | " + f.where() + " | " + f.keyId())
        .contains(
            "http | "
                + ledger
                + "/ledger/rotations/r-long/timeline?limit=500&offset=500 | "
                + SECOND_ID);
  }

  @AfterAll
  static void cleanUp() {
    if (http != null) {
      http.stop(0);
    }
    if (database != null) {
      PostgresServer.dropDatabase(database);
    }
  }

  @Test
  void findsEveryPlantedKeyAndSaysWhereWhoseAndInWhichEncoding() throws IOException {
    Path keyrings = dir.resolve("mounts-leaked");
    mount(keyrings, FIRST);
    mount(keyrings, SECOND);
    mount(keyrings, key()); // a key held legitimately and leaked nowhere

    ScanReport report = LeakScanner.scan(targets(keyrings));

    assertThat(report.errors()).isEmpty();
    assertThat(report.keyIds()).hasSize(3).contains(FIRST_ID, SECOND_ID);
    assertThat(report.findings())
        .extracting(f -> f.source() + " | " + f.where() + " | " + f.keyId() + " | " + f.encoding())
        .contains(
            "logs | logs/verifier.log:3 | " + FIRST_ID + " | base64",
            "logs | logs/pods/aether-staging/secrets-service-1.log:2 | " + SECOND_ID + " | HEX",
            "kafka | " + TOPIC + "/0@1 value | " + FIRST_ID + " | base64url unpadded",
            "kafka | " + TOPIC + "/0@2 header x-debug | " + SECOND_ID + " | raw",
            "kafka | " + TOPIC + "/0@3 key | " + FIRST_ID + " | hex",
            "postgres | "
                + database
                + ".\"public\".\"audit\" row 2 column note | "
                + SECOND_ID
                + " | base64url",
            "postgres | "
                + database
                + ".\"public\".\"audit\" row 3 column payload | "
                + FIRST_ID
                + " | hex",
            "git | git/gitops.git blob " + unreachable.name() + " | " + FIRST_ID + " | base64",
            "http | " + metricsUrl() + " | " + SECOND_ID + " | base64");
    assertThat(report.findings())
        .anySatisfy(
            f -> {
              assertThat(f.source()).isEqualTo("git");
              assertThat(f.where()).startsWith("git/gitops.git blob ");
              assertThat(f.keyId()).isEqualTo(SECOND_ID);
              assertThat(f.encoding()).isEqualTo("base64 unpadded");
            });
    assertThat(report.findings())
        .filteredOn(f -> f.keyId().equals(FIRST_ID))
        .allSatisfy(f -> assertThat(f.rotation()).isEqualTo("rotation-of-first"));
    assertThat(report.findings())
        .extracting(ScanReport.Finding::keyId)
        .containsOnly(FIRST_ID, SECOND_ID);
    assertThat(report.exitCode()).isEqualTo(1);

    String printed = print(report);
    assertThat(printed).contains("ROTOR-8131 LEAK logs logs/verifier.log:3: key " + FIRST_ID);
    for (byte[] key : List.of(FIRST, SECOND)) {
      for (String encoded : encodings(key)) {
        assertThat(printed).as("the report never shows a key").doesNotContain(encoded);
      }
    }
    Path json = dir.resolve("report.json");
    report.write(json);
    String written = Files.readString(json);
    for (String encoded : encodings(FIRST)) {
      assertThat(written).doesNotContain(encoded);
    }
  }

  @Test
  void aKeyThatLeakedNowhereLeavesEverySourceScannedAndClean() throws IOException {
    Path keyrings = dir.resolve("mounts-clean");
    mount(keyrings, key());
    mount(keyrings, key());

    ScanReport report = LeakScanner.scan(targets(keyrings));

    assertThat(report.errors()).isEmpty();
    assertThat(report.findings()).isEmpty();
    assertThat(report.exitCode()).isZero();
    assertThat(report.counts().get("kafka").items()).isGreaterThanOrEqualTo(4);
    assertThat(report.counts().get("logs").items()).isEqualTo(2);
    assertThat(report.counts().get("postgres").items()).isGreaterThanOrEqualTo(3);
    assertThat(report.counts().get("postgres").detail()).containsKey("tables");
    // The commit's blob, tree, commit, and the dangling blob.
    assertThat(report.counts().get("git").items()).isEqualTo(4);
    assertThat(report.counts().get("http").items()).isEqualTo(1);
    assertThat(print(report)).contains("clean: no key in any of it");
  }

  @Test
  void withoutAnyKeyOrWithASourceDownTheScanSaysWhatItCouldNotScan() throws IOException {
    ScanReport none = LeakScanner.scan(targets(dir.resolve("no-mounts")));
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.errors()).singleElement().asString().contains("nothing to look for");

    Path keyrings = dir.resolve("mounts-down");
    mount(keyrings, key());
    ScanTargets good = targets(keyrings);
    int closedPort;
    try (var socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ScanReport down =
        LeakScanner.scan(
            new ScanTargets(
                good.base(),
                good.clusterApis(),
                good.keyringDirs(),
                good.kafkaBootstrap(),
                good.logDirs(),
                "127.0.0.1:" + closedPort,
                good.postgresUser(),
                good.postgresPassword(),
                good.gitRoots(),
                null,
                good.httpUrls()));
    assertThat(down.exitCode()).isEqualTo(2);
    assertThat(down.errors()).singleElement().asString().startsWith("postgres: ");
  }

  private static ScanTargets targets(Path keyrings) {
    String url = PostgresServer.jdbcUrl(database);
    String hostPort = url.replaceFirst("^jdbc:postgresql://", "").replaceFirst("/.*$", "");
    return new ScanTargets(
        dir,
        Map.of(),
        List.of(keyrings),
        KafkaBroker.bootstrapServers(),
        List.of(dir.resolve("logs")),
        hostPort,
        PostgresServer.username(),
        PostgresServer.password(),
        List.of(dir.resolve("git")),
        null,
        List.of(metricsUrl()));
  }

  private static URI metricsUrl() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/q/metrics");
  }

  private static void mount(Path keyrings, byte[] key) throws IOException {
    Files.createDirectories(keyrings.resolve("pod-1"));
    Files.write(keyrings.resolve("pod-1/keyring.key." + keyId(key)), key);
  }

  private static String print(ScanReport report) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  private static List<String> encodings(byte[] key) {
    return List.of(
        Base64.getEncoder().withoutPadding().encodeToString(key),
        Base64.getUrlEncoder().withoutPadding().encodeToString(key),
        HexFormat.of().formatHex(key),
        HexFormat.of().withUpperCase().formatHex(key));
  }

  /** A random key whose base64 has both '+' and '/', so that every encoding differs. */
  private static byte[] key() {
    byte[] key = new byte[32];
    String base64;
    do {
      RANDOM.nextBytes(key);
      base64 = Base64.getEncoder().encodeToString(key);
    } while (base64.indexOf('+') < 0 || base64.indexOf('/') < 0);
    return key;
  }

  private static String keyId(byte[] key) {
    return Fingerprints.keyIdOf(Fingerprints.ofRawKey(key));
  }
}
