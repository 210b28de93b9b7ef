package dev.rotor.ledger.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.common.event.Topics;
import dev.rotor.ledger.support.Api;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter topic refuses what the consumer sends it: ingest waits with readiness DOWN and
 * goes on, losing nothing, once the topic takes the record again; a record too large for the topic
 * goes there without its value instead of stopping ingest.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class DeadLetterTopicTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @AfterEach
  void restoreTheDeadLetterTopic() {
    dlqMaxMessageBytes(Topics.DLQ_MAX_MESSAGE_BYTES);
  }

  @Test
  void whileTheDeadLetterTopicRefusesRecordsIngestWaitsAndThenGoesOnLosingNothing() {
    String poisonKey = "refused-" + UUID.randomUUID();
    RotationEvents after = RotationEvents.completed("after-dlq-outage");
    dlqMaxMessageBytes(1);
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      kafka.produce(
          "rotor.requests", poisonKey, Map.of(), "{not json".getBytes(StandardCharsets.UTF_8));
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () -> {
                Response ready = given().when().get("/q/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.asString()).contains("dead-letter topic unavailable");
              });
      RotationEvents.produce(kafka, after.events());
    } finally {
      dlqMaxMessageBytes(Topics.DLQ_MAX_MESSAGE_BYTES);
    }

    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> given().when().get("/q/health/ready").then().statusCode(200));
    LedgerIngestTest.awaitRecord(after, "COMPLETED");
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      List<ConsumerRecord<byte[], byte[]>> dead =
          kafka.readUntil("rotor.dlq", records -> withKey(records, poisonKey) != null, TIMEOUT);
      ConsumerRecord<byte[], byte[]> poison = withKey(dead, poisonKey);
      assertThat(KafkaTestClient.headerValue(poison, "dead-letter-reason"))
          .startsWith("MISSING_ATTRIBUTE");
      assertThat(KafkaTestClient.valueText(poison)).isEqualTo("{not json");
      assertThat(dead.stream().filter(r -> poisonKey.equals(KafkaTestClient.key(r)))).hasSize(1);
    }
    JsonNode report = Api.verify();
    assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
  }

  @Test
  void aRecordTooLargeForTheDeadLetterTopicGoesThereWithoutItsValueAndIngestGoesOn() {
    String giantKey = "giant-" + UUID.randomUUID();
    byte[] giant = new byte[12_000];
    Arrays.fill(giant, (byte) 'x');
    giant[0] = '{';
    RotationEvents after = RotationEvents.completed("after-giant");
    dlqMaxMessageBytes(8_000);
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      kafka.produce("rotor.requests", giantKey, Map.of("x-padding", "p".repeat(500)), giant);
      RotationEvents.produce(kafka, after.events());
      LedgerIngestTest.awaitRecord(after, "COMPLETED");

      List<ConsumerRecord<byte[], byte[]>> dead =
          kafka.readUntil("rotor.dlq", records -> withKey(records, giantKey) != null, TIMEOUT);
      ConsumerRecord<byte[], byte[]> record = withKey(dead, giantKey);
      assertThat(KafkaTestClient.headerValue(record, "dead-letter-reason"))
          .startsWith("MISSING_ATTRIBUTE");
      assertThat(KafkaTestClient.headerValue(record, "dead-letter-topic"))
          .isEqualTo("rotor.requests");
      assertThat(KafkaTestClient.headerValue(record, "dead-letter-value-omitted"))
          .startsWith("value of 12000 bytes and ");
      assertThat(KafkaTestClient.headerValue(record, "x-padding")).isNull();
      assertThat(record.value()).isEmpty();
    }
    given().when().get("/q/health/ready").then().statusCode(200);
  }

  private static ConsumerRecord<byte[], byte[]> withKey(
      List<ConsumerRecord<byte[], byte[]>> records, String key) {
    return records.stream()
        .filter(r -> key.equals(KafkaTestClient.key(r)))
        .findFirst()
        .orElse(null);
  }

  /** Sets rotor.dlq's {@code max.message.bytes}, or back to the broker's default with null. */
  private static void dlqMaxMessageBytes(Integer bytes) {
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "rotor.dlq");
    ConfigEntry entry = new ConfigEntry("max.message.bytes", bytes == null ? "" : bytes.toString());
    AlterConfigOp op =
        new AlterConfigOp(
            entry, bytes == null ? AlterConfigOp.OpType.DELETE : AlterConfigOp.OpType.SET);
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers()))) {
      admin.incrementalAlterConfigs(Map.of(topic, List.of(op))).all().get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot change rotor.dlq's max.message.bytes", e);
    }
  }
}
