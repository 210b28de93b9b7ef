package dev.rotor.ledger.packaged;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.SigningKeyResource;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service ({@code target/quarkus-app}) started as operators start it: bad
 * configuration stops the start with a message that names the configuration key (and never shows a
 * key's content); good configuration serves the verifier key.
 */
class LedgerStartupIT {
  private static final Duration START = Duration.ofMinutes(3);
  private static final LedgerDatabaseResource DATABASE = new LedgerDatabaseResource();
  private static Map<String, String> database;
  private static Path keys;

  @BeforeAll
  static void aDatabaseWithOwnerAndApplicationRoles() throws IOException {
    database = DATABASE.start();
    keys =
        Files.createDirectories(
            Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "it-keys"));
  }

  @AfterAll
  static void dropTheDatabase() {
    DATABASE.stop();
  }

  @Test
  void aMissingSigningKeyFileStopsTheStartNamingTheKey() throws Exception {
    Map<String, String> config = goodConfig();
    config.put(SigningKeyResource.KEY_FILE, keys.resolve("does-not-exist.pem").toString());

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains("ROTOR-5040")
        .contains(SigningKeyResource.KEY_FILE + ": the file")
        .contains("does not exist");
  }

  @Test
  void aSigningKeyThatIsNotAnEd25519PrivateKeyStopsTheStartWithoutShowingIt() throws Exception {
    byte[] rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate().getEncoded();
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(rsa);
    Path file = keys.resolve("rsa.pem");
    Files.writeString(
        file, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
    Map<String, String> config = goodConfig();
    config.put(SigningKeyResource.KEY_FILE, file.toString());

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains(SigningKeyResource.KEY_FILE + ": the PKCS#8 key is not an Ed25519 private key")
        .doesNotContain(body.substring(0, 64))
        .doesNotContain(body.substring(body.length() - 40));
  }

  @Test
  void aCheckpointPublishLimitBelowOneStopsTheStartNamingTheKey() throws Exception {
    Map<String, String> config = goodConfig();
    config.put("rotor.ledger.checkpoint.publish-max-attempts", "0");

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains("ROTOR-5040")
        .contains("rotor.ledger.checkpoint.publish-max-attempts: must be at least 1, is 0");
  }

  @Test
  void aCheckpointEveryZeroEntriesStopsTheStartNamingTheKey() throws Exception {
    Map<String, String> config = goodConfig();
    config.put("rotor.ledger.checkpoint.every-entries", "0");

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains("ROTOR-5040")
        .contains("rotor.ledger.checkpoint.every-entries: must be at least 1, is 0");
  }

  @Test
  void aZeroPageSizeOrRetryBackoffStopsTheStartNamingTheKey() throws Exception {
    Map<String, String> config = goodConfig();
    config.put("rotor.ledger.api.max-page-size", "0");

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains("ROTOR-5040")
        .contains("rotor.ledger.api.max-page-size: must be at least 1, is 0");

    config = goodConfig();
    config.put("rotor.ledger.ingest.retry-backoff", "0s");
    run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains("ROTOR-5040")
        .contains("rotor.ledger.ingest.retry-backoff: must be longer than 0, is PT0S");
  }

  @Test
  void aNegativeQuarantineTimeStopsTheStartNamingTheKey() throws Exception {
    Map<String, String> config = goodConfig();
    config.put("rotor.ledger.checkpoint.quarantine-after", "-PT5M");

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains("ROTOR-5040")
        .contains("rotor.ledger.checkpoint.quarantine-after: must not be negative, is PT-5M");
  }

  @Test
  void aMissingOriginStopsTheStartNamingTheKey() throws Exception {
    Map<String, String> config = goodConfig();
    config.remove("rotor.ledger.origin");

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output).contains("rotor.ledger.origin");
  }

  @Test
  void connectingAsARoleThatMayChangeTheLedgerStopsTheStart() throws Exception {
    Map<String, String> config = goodConfig();
    config.put("quarkus.datasource.username", database.get("quarkus.datasource.owner.username"));
    config.put("quarkus.datasource.password", database.get("quarkus.datasource.owner.password"));

    Run run = startAndWaitForExit(config);
    assertThat(run.exitCode).isNotZero();
    assertThat(run.output)
        .contains("quarkus.datasource.username: the service's database role")
        .contains("owns ledger.entries")
        .contains("may UPDATE, DELETE, TRUNCATE ledger.entries");
  }

  @Test
  void aWellConfiguredServiceStartsAndPublishesItsVerifierKey() throws Exception {
    int port = freePort();
    Map<String, String> config = goodConfig();
    config.put("quarkus.http.port", Integer.toString(port));
    Path log = Files.createTempFile(keys, "ledger", ".log");
    Process process = start(config, log);
    try {
      await()
          .atMost(START)
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertThat(
                          given()
                              .port(port)
                              .accept("text/plain")
                              .get("/ledger/checkpoints/key")
                              .then()
                              .statusCode(200)
                              .extract()
                              .asString())
                      .startsWith(SigningKeyResource.ORIGIN + "+"));
      given().port(port).get("/q/health/live").then().statusCode(200);
      assertThat(Files.readString(log)).contains("ROTOR-5001");
    } finally {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static Map<String, String> goodConfig() {
    Map<String, String> config = new HashMap<>(database);
    config.remove(LedgerDatabaseResource.DATABASE);
    config.put("rotor.ledger.origin", SigningKeyResource.ORIGIN);
    config.put(SigningKeyResource.KEY_FILE, SigningKeyResource.writeNewKey(keys).toString());
    // No broker: start-up must not depend on Kafka (the consumer keeps trying in the background).
    config.put("kafka.bootstrap.servers", "127.0.0.1:9");
    config.put("quarkus.http.port", "0");
    return config;
  }

  private record Run(int exitCode, String output) {}

  private static Run startAndWaitForExit(Map<String, String> config) throws Exception {
    Path log = Files.createTempFile(keys, "ledger", ".log");
    Process process = start(config, log);
    if (!process.waitFor(START.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the service did not stop: " + Files.readString(log));
    }
    return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static Process start(Map<String, String> config, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    config.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(
        Paths.get(System.getProperty("ledger.app.dir", "target/quarkus-app"), "quarkus-run.jar")
            .toString());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
