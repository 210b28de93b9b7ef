package dev.rotor.examples.secrets.payload;

import static dev.rotor.examples.secrets.TestApplication.awaitLogLines;
import static dev.rotor.examples.secrets.TestApplication.logLines;
import static dev.rotor.examples.secrets.TestApplication.metric;
import static dev.rotor.examples.secrets.TestApplication.metrics;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.keyring.Keyring;
import dev.rotor.common.keyring.KeyringCiphertextFormat;
import dev.rotor.examples.secrets.TestKeyring;
import dev.rotor.examples.secrets.TestKeyringResource;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = TestKeyringResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class PayloadResourceTest {
  private static final String PLAINTEXT = "card 4111-1111-1111-1111, PIN 0000, clé 鍵 🔑";

  @Test
  void aPayloadIsStoredEncryptedWithThePrimaryKeyAndReadsBackThroughTheApi() {
    String primary;
    try (Keyring keyring = TestKeyring.open()) {
      primary = keyring.primaryKeyId();
    }

    Response created =
        given()
            .contentType(ContentType.JSON)
            .body(Map.of("plaintext", PLAINTEXT))
            .when()
            .post("/payloads")
            .then()
            .statusCode(201)
            .header("Location", startsWith("http"))
            .body("keyId", equalTo(primary))
            .extract()
            .response();
    String id = created.path("id");

    given()
        .when()
        .get("/payloads/" + id)
        .then()
        .statusCode(200)
        .body("id", equalTo(id))
        .body("keyId", equalTo(primary))
        .body("plaintext", equalTo(PLAINTEXT));
    Payload row =
        QuarkusTransaction.requiringNew().call(() -> Payload.findById(UUID.fromString(id)));
    assertThat(row.keyId).isEqualTo(primary);
    assertThat(Keyring.keyIdOf(row.ciphertext)).isEqualTo(primary);
    assertThat(row.ciphertext)
        .hasSize(
            KeyringCiphertextFormat.MINIMUM_LENGTH
                + PLAINTEXT.getBytes(StandardCharsets.UTF_8).length);
    assertThat(new String(row.ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain("4111");
  }

  @Test
  void aPayloadWrittenWithTheDecryptOnlyKeyStillReads() {
    String decryptOnly;
    byte[] ciphertext;
    try (Keyring keyring = TestKeyring.open()) {
      decryptOnly = keyring.decryptOnlyKeyIds().get(0);
      // The decrypt-only key as primary: what a pod that is one phase ahead would write.
      try (Keyring ahead = Keyring.of(decryptOnly, TestKeyring.rawKeys())) {
        ciphertext = ahead.encrypt(PLAINTEXT.getBytes(StandardCharsets.UTF_8));
      }
    }
    UUID id = store(ciphertext);

    given()
        .when()
        .get("/payloads/" + id)
        .then()
        .statusCode(200)
        .body("keyId", equalTo(decryptOnly))
        .body("plaintext", equalTo(PLAINTEXT));
  }

  @Test
  void aPayloadUnderAKeyOutsideTheRingFailsWithTheDecryptFailureLineAndCounter() {
    List<byte[]> keys = new ArrayList<>(TestKeyring.rawKeys());
    String foreignId;
    UUID id;
    try (GeneratedKey foreign = GeneratedKey.generate()) {
      foreignId = foreign.keyId();
      keys.add(foreign.copyRaw());
      try (Keyring other = Keyring.of(foreignId, List.of(foreign.copyRaw()))) {
        id = store(other.encrypt(PLAINTEXT.getBytes(StandardCharsets.UTF_8)));
      }
    }

    String body =
        given()
            .when()
            .get("/payloads/" + id)
            .then()
            .statusCode(500)
            .body("error", equalTo("decrypt_failed"))
            .body("messageId", equalTo("SECRETS-0100"))
            .body("keyId", equalTo(foreignId))
            .extract()
            .asString();

    List<String> lines =
        awaitLogLines("SECRETS-0100 decrypt failed for payload " + id + ", key id " + foreignId);
    assertThat(lines).singleElement().asString().contains("not in the keyring").contains("ERROR");
    assertThat(metric("secrets_decrypt_failures_total{key_id=\"" + foreignId + "\"}"))
        .isEqualTo(1.0);
    assertThat(body).doesNotContain(PLAINTEXT);
    for (byte[] key : keys) {
      for (String form : TestKeyring.leakForms(key)) {
        assertThat(body).doesNotContain(form);
        assertThat(String.join("\n", logLines())).doesNotContain(form);
      }
    }
  }

  @Test
  void anAlteredPayloadFailsAsADecryptFailureNamingTheKeyItClaims() {
    String primary;
    byte[] ciphertext;
    try (Keyring keyring = TestKeyring.open()) {
      primary = keyring.primaryKeyId();
      ciphertext = keyring.encrypt(PLAINTEXT.getBytes(StandardCharsets.UTF_8));
    }
    ciphertext[KeyringCiphertextFormat.HEADER_LENGTH + KeyringCiphertextFormat.NONCE_LENGTH] ^= 1;
    UUID id = store(ciphertext);
    String counter = "secrets_decrypt_failures_total{key_id=\"" + primary + "\"}";
    double before = metric(counter);

    given()
        .when()
        .get("/payloads/" + id)
        .then()
        .statusCode(500)
        .body("error", equalTo("decrypt_failed"))
        .body("keyId", equalTo(primary))
        .body("message", org.hamcrest.Matchers.containsString("does not authenticate"));

    awaitLogLines("SECRETS-0100 decrypt failed for payload " + id + ", key id " + primary);
    assertThat(metric(counter)).isEqualTo(before + 1);
  }

  @Test
  void anUnknownIdIsNotFoundAndABodyWithoutPlaintextIsRefused() {
    given()
        .when()
        .get("/payloads/" + UUID.randomUUID())
        .then()
        .statusCode(404)
        .body("error", equalTo("not_found"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("text", "x"))
        .when()
        .post("/payloads")
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid_request"));
  }

  @Test
  void startUpLogsTheSelfTestLineOnceWithThePrimaryAndTheDecryptOnlyIds() {
    String expected;
    try (Keyring keyring = TestKeyring.open()) {
      expected =
          "encryption self-test passed, primary key id "
              + keyring.primaryKeyId()
              + ", decrypt-only ids ["
              + keyring.decryptOnlyKeyIds().get(0)
              + "]";
    }

    assertThat(awaitLogLines(expected))
        .singleElement()
        .asString()
        .contains("SECRETS-0002 " + expected);
  }

  @Test
  void everyKeyOfTheRingHasADecryptFailureSeriesFromTheStart() {
    try (Keyring keyring = TestKeyring.open()) {
      String metrics = metrics();
      for (String keyId : keyring.keyIds()) {
        assertThat(metrics).contains("secrets_decrypt_failures_total{key_id=\"" + keyId + "\"}");
      }
      assertThat(metrics)
          .contains(
              "secrets_keyring_keys{key_id=\""
                  + keyring.primaryKeyId()
                  + "\",role=\"primary\"} 1.0");
    }
  }

  @Test
  void httpRequestsArePublishedAsHistogramsWithBuckets() {
    given().when().get("/payloads/" + UUID.randomUUID()).then().statusCode(404);

    assertThat(metrics())
        .containsPattern(
            "http_server_requests_seconds_bucket\\{[^}]*uri=\"/payloads/\\{id\\}\"[^}]*le=\"[0-9.]+\"");
  }

  @Test
  void readinessReportsTheKeyIdsOfTheKeyring() {
    try (Keyring keyring = TestKeyring.open()) {
      given()
          .when()
          .get("/q/health/ready")
          .then()
          .statusCode(200)
          .body("checks.find { it.name == 'keyring' }.status", equalTo("UP"))
          .body(
              "checks.find { it.name == 'keyring' }.data.primaryKeyId",
              equalTo(keyring.primaryKeyId()));
    }
  }

  private static UUID store(byte[] ciphertext) {
    UUID id = UUID.randomUUID();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Payload payload = new Payload();
              payload.id = id;
              payload.keyId = Keyring.keyIdOf(ciphertext);
              payload.ciphertext = ciphertext;
              payload.createdAt = Instant.now();
              payload.persist();
            });
    return id;
  }
}
