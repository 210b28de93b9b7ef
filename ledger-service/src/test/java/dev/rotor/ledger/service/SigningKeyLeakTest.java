package dev.rotor.ledger.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.LogFile;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint signing key stays in its file: neither its PEM text nor its 32-byte seed (base64
 * or hex) appears in an HTTP response, in what the service publishes on Kafka, or in its log.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class SigningKeyLeakTest {
  @ConfigProperty(name = SigningKeyResource.KEY_FILE)
  Path keyFile;

  @Test
  void theSigningKeyAppearsInNoResponseNoPublishedRecordAndNoLogLine() throws Exception {
    List<String> secrets = secretForms();
    List<String> responses = new ArrayList<>();
    for (String path :
        List.of(
            "/ledger/checkpoints/key",
            "/ledger/checkpoints?limit=500",
            "/ledger/checkpoints/latest",
            "/ledger/export/entries?limit=5000",
            "/ledger/export/rotations",
            "/q/openapi",
            "/q/health",
            "/q/metrics")) {
      responses.add(given().when().get(path).asString());
    }
    responses.add(given().accept("text/plain").when().get("/ledger/checkpoints/key").asString());
    responses.add(given().when().post("/ledger/verification").asString());

    List<String> published = new ArrayList<>();
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      for (String topic : List.of("rotor.ledger", "rotor.dlq")) {
        for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
          published.add(KafkaTestClient.valueText(record));
          for (Header header : record.headers()) {
            published.add(
                header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
          }
        }
      }
    }
    String log = Files.readString(LogFile.path());
    assertThat(log).contains("ROTOR-5001");

    for (String secret : secrets) {
      assertThat(responses).noneMatch(text -> text.contains(secret));
      assertThat(published).noneMatch(text -> text != null && text.contains(secret));
      assertThat(log).doesNotContain(secret);
    }
  }

  /** The PEM body lines, and the seed (the last 32 bytes of the PKCS#8 DER) in base64 and hex. */
  private List<String> secretForms() throws Exception {
    String pem = Files.readString(keyFile);
    List<String> forms = new ArrayList<>();
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(body);
    byte[] seed = Arrays.copyOfRange(der, der.length - 32, der.length);
    forms.add(body.substring(0, 40));
    forms.add(body.substring(body.length() - 40));
    forms.add(Base64.getEncoder().encodeToString(seed));
    forms.add(Base64.getEncoder().withoutPadding().encodeToString(seed).substring(0, 40));
    forms.add(HexFormat.of().formatHex(seed));
    return forms;
  }
}
