package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.awaitRejection;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.LeakScan;
import dev.rotor.keygen.support.LeakScan.Haystack;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plaintext key exists only sealed: no Kafka record, log line, database row or HTTP response
 * holds any key the run generated, as raw bytes, hex or base64. This class runs last among the
 * classes of its application (the Quarkus class orderer goes by name), so it sees what they did;
 * {@link AfterTheRunNoKeyIsAnywhereTest} sweeps the topics and the log again after every
 * application of the run has stopped.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class TheKeyAppearsNowhereTest {
  private static KafkaTestClient kafka;

  @Inject DataSource dataSource;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void noKeyAppearsInAnyRecordLogLineDatabaseRowOrHttpResponse() {
    EventEnvelope sealed = request(newRotationId(), TestPolicy.LEAK_SEALED);
    EventEnvelope plain = request(newRotationId(), TestPolicy.LEAK_PLAIN);
    publish(kafka, sealed);
    publish(kafka, plain);
    KeyGenerated sealedKey = awaitKey(kafka, sealed);
    KeyGenerated plainKey = awaitKey(kafka, plain);
    publish(kafka, sealed);
    EventEnvelope refused = request(newRotationId(), TestPolicy.LEAK_SEALED);
    publish(kafka, refused);
    awaitRejection(kafka, refused);

    Map<String, List<String>> keys = LeakScan.keysOfTheRun(kafka);
    assertThat(keys).containsKeys(sealedKey.fingerprint(), plainKey.fingerprint());

    List<Haystack> haystacks = new ArrayList<>(LeakScan.topics(kafka));
    Haystack log = LeakScan.log();
    haystacks.add(log);
    Haystack rows =
        new Haystack("database", String.join("\n", new Database(dataSource).dumpEveryRow()));
    haystacks.add(rows);
    for (String path : List.of("/q/metrics", "/q/health", "/q/health/ready", "/q/health/live")) {
      haystacks.add(
          new Haystack(
              "GET " + path,
              new String(given().when().get(path).then().extract().asByteArray(), ISO_8859_1)));
    }
    // Not vacuous: the log has the key ids, the rows the fingerprints, the topics the events.
    assertThat(log.text()).contains("ROTOR-1010").contains(sealedKey.keyId(), plainKey.keyId());
    assertThat(rows.text()).contains(sealedKey.fingerprint(), plainKey.fingerprint());
    assertThat(haystacks.stream().mapToInt(h -> h.text().length()).sum()).isGreaterThan(100_000);

    LeakScan.assertNoKeyIn(keys, haystacks);
  }
}
