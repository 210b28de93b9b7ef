package dev.rotor.examples.secrets.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.keyring.Keyring;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.examples.load.LoadGenerator;
import dev.rotor.examples.load.LoadReport;
import dev.rotor.examples.secrets.KeyringFiles;
import dev.rotor.examples.secrets.TestKeyring;
import dev.rotor.testsupport.SecretsServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plaintext key never appears in a log line, an HTTP response or a database row: two instances
 * (one reading the mounted-files layout, one the environment variables, with debug logging) go
 * through every path that logs (start-up, self-test, load, both kinds of decrypt failure, the fault
 * switch, shutdown), then the captured output of both processes, every answer and every row are
 * searched for the base64 and hex forms of every key involved.
 */
class KeysNeverLeakIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> responses = new ArrayList<>();
  private GeneratedKey primary;
  private GeneratedKey previous;
  private GeneratedKey foreign;
  private Database database;
  private SecretsServiceProcess fromFiles;
  private SecretsServiceProcess fromEnvironment;

  @BeforeEach
  void setUp() {
    primary = GeneratedKey.generate();
    previous = GeneratedKey.generate();
    foreign = GeneratedKey.generate();
    database = Database.create();
  }

  @AfterEach
  void tearDown() {
    try {
      for (SecretsServiceProcess instance :
          new SecretsServiceProcess[] {fromFiles, fromEnvironment}) {
        if (instance != null) {
          instance.close();
        }
      }
    } finally {
      database.close();
      primary.close();
      previous.close();
      foreign.close();
    }
  }

  @Test
  void noKeyAppearsInTheLogsOfTheInstancesNorInTheirAnswersNorInTheDatabase() throws Exception {
    Path directory =
        Path.of(System.getProperty("rotor.test.tmpdir", "target"))
            .resolve("rollout-it")
            .resolve("KeysNeverLeakIT-" + UUID.randomUUID().toString().substring(0, 8));
    Map<String, String> verbose =
        Map.of(
            "quarkus.log.category.\"dev.rotor\".level", "DEBUG",
            "secrets-service.fault.admin-enabled", "true");
    Map<String, String> filesProperties = new HashMap<>(verbose);
    filesProperties.put(
        "secrets-service.keyring.dir",
        KeyringFiles.write(directory.resolve("keyring"), primary, previous).toString());
    fromFiles =
        SecretsServiceProcess.start(
            "files", directory.resolve("logs"), database.name(), filesProperties, Map.of());
    Map<String, String> environmentProperties = new HashMap<>(verbose);
    environmentProperties.put("secrets-service.keyring.source", "environment");
    fromEnvironment =
        SecretsServiceProcess.start(
            "environment",
            directory.resolve("logs"),
            database.name(),
            environmentProperties,
            Map.of(
                KeyringLayout.PRIMARY_ENV_VAR,
                previous.keyId(),
                KeyringLayout.envVarOf(primary.keyId()),
                primary.revealBase64(),
                KeyringLayout.envVarOf(previous.keyId()),
                previous.revealBase64()));
    fromFiles.awaitReady(Fleet.START_TIMEOUT);
    fromEnvironment.awaitReady(Fleet.START_TIMEOUT);

    LoadReport load =
        LoadGenerator.builder()
            .targets(List.of(fromFiles.baseUrl(), fromEnvironment.baseUrl()))
            .maxWrites(40)
            .build()
            .run();
    UUID foreignPayload = store(encryptWith(foreign, "written with a key outside the ring"));
    byte[] altered = encryptWith(primary, "altered after it was written");
    altered[altered.length - 1] ^= 1;
    UUID alteredPayload = store(altered);
    for (SecretsServiceProcess instance : List.of(fromFiles, fromEnvironment)) {
      send(instance, "GET", "/payloads/" + foreignPayload, null);
      send(instance, "GET", "/payloads/" + alteredPayload, null);
      send(instance, "PUT", "/admin/fault", "{\"errorRatio\": 1.0}");
      send(instance, "POST", "/payloads", "{\"plaintext\": \"refused on purpose\"}");
      send(instance, "PUT", "/admin/fault", "{\"errorRatio\": 0.0}");
      send(instance, "GET", "/q/health/ready", null);
      send(instance, "GET", "/q/metrics", null);
    }
    fromFiles.close();
    fromEnvironment.close();

    String logs = fromFiles.logText() + fromEnvironment.logText();
    String rows = databaseRows();
    String answers = String.join("\n", responses);
    // The material searched is there: otherwise the search below could not fail.
    assertThat(load.clean()).as(load.summary()).isTrue();
    assertThat(logs)
        .contains("encryption self-test passed, primary key id " + primary.keyId())
        .contains("encryption self-test passed, primary key id " + previous.keyId())
        .contains("SECRETS-0100 decrypt failed for payload " + foreignPayload)
        .contains("SECRETS-0100 decrypt failed for payload " + alteredPayload)
        .contains("SECRETS-0200 fault switch set")
        .contains("SECRETS-0201 injected fault");
    assertThat(rows.lines().count()).isGreaterThanOrEqualTo(42);
    assertThat(answers).contains("decrypt_failed").contains("injected_fault");
    for (GeneratedKey key : List.of(primary, previous, foreign)) {
      byte[] raw = key.copyRaw();
      for (String form : TestKeyring.leakForms(raw)) {
        assertThat(logs).as("logs, " + key).doesNotContain(form);
        assertThat(rows).as("database, " + key).doesNotContain(form);
        assertThat(answers).as("HTTP answers, " + key).doesNotContain(form);
      }
      Arrays.fill(raw, (byte) 0);
    }
  }

  private byte[] encryptWith(GeneratedKey key, String plaintext) {
    try (Keyring keyring = Keyring.of(key.keyId(), List.of(key.copyRaw()))) {
      return keyring.encrypt(plaintext.getBytes(StandardCharsets.UTF_8));
    }
  }

  private UUID store(byte[] ciphertext) throws Exception {
    UUID id = UUID.randomUUID();
    try (Connection connection = database.connect();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO payload (id, key_id, ciphertext, created_at) VALUES (?, ?, ?, ?)")) {
      insert.setObject(1, id);
      insert.setString(2, Keyring.keyIdOf(ciphertext));
      insert.setBytes(3, ciphertext);
      insert.setTimestamp(4, Timestamp.from(Instant.now()));
      insert.executeUpdate();
    }
    return id;
  }

  /** Every row of every table of the service, as text (bytea in hex). */
  private String databaseRows() throws Exception {
    StringBuilder rows = new StringBuilder();
    try (Connection connection = database.connect();
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT t::text FROM payload t UNION ALL SELECT h::text FROM flyway_schema_history h")) {
      while (result.next()) {
        rows.append(result.getString(1)).append('\n');
      }
    }
    return rows.toString();
  }

  private void send(SecretsServiceProcess instance, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(instance.baseUrl() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    responses.add(response.statusCode() + " " + response.headers().map() + " " + response.body());
  }
}
