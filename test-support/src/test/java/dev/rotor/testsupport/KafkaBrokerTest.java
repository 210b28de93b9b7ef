package dev.rotor.testsupport;

import static dev.rotor.testsupport.KafkaTestClient.header;
import static dev.rotor.testsupport.KafkaTestClient.headerValue;
import static dev.rotor.testsupport.KafkaTestClient.headerValues;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {

  private static KafkaTestClient client;

  @BeforeAll
  static void connect() {
    client = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @Test
  void consumesBackAProducedRecordWithItsKeyHeadersAndValue() {
    String topic = uniqueTopic();
    byte[] value = "{\"target\":\"payments/db-key\"}".getBytes(UTF_8);

    RecordMetadata sent =
        client.produce(
            topic,
            "payments/db-key",
            List.of(
                header("ce_type", "dev.rotor.rotation.requested.v1"),
                header("ce_id", "e-1"),
                header("trace", "first"),
                header("trace", "second")),
            value);

    List<ConsumerRecord<byte[], byte[]>> records =
        client.readAtLeast(topic, 1, Duration.ofSeconds(10));
    assertThat(records).hasSize(1);
    ConsumerRecord<byte[], byte[]> record = records.get(0);
    assertThat(record.offset()).isEqualTo(sent.offset());
    assertThat(KafkaTestClient.key(record)).isEqualTo("payments/db-key");
    assertThat(record.value()).isEqualTo(value);
    assertThat(headerValue(record, "ce_type")).isEqualTo("dev.rotor.rotation.requested.v1");
    assertThat(headerValue(record, "ce_id")).isEqualTo("e-1");
    assertThat(headerValue(record, "absent")).isNull();
    assertThat(headerValues(record, "trace")).containsExactly("first", "second");
    assertThatThrownBy(() -> headerValue(record, "trace"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("2 times");
  }

  @Test
  void readsEveryRecordFromTheBeginningOnEachRead() {
    String topic = uniqueTopic();
    client.produce(topic, "a", Map.of("n", "1"), bytes("one"));
    client.produce(topic, "a", Map.of("n", "2"), bytes("two"));

    assertThat(client.readAll(topic))
        .extracting(KafkaTestClient::valueText)
        .containsExactly("one", "two");
    assertThat(client.readAll(topic))
        .extracting(KafkaTestClient::valueText)
        .containsExactly("one", "two");
  }

  @Test
  void waitsForARecordProducedWhileReading() {
    String topic = uniqueTopic();
    KafkaBroker.createTopics(topic);
    CompletableFuture<RecordMetadata> late =
        CompletableFuture.supplyAsync(
            () -> {
              try (KafkaTestClient other = new KafkaTestClient()) {
                return other.produce(topic, "k", Map.of(), bytes("late"));
              }
            });

    List<ConsumerRecord<byte[], byte[]>> records =
        client.readUntil(
            topic,
            seen -> seen.stream().anyMatch(r -> "late".equals(KafkaTestClient.valueText(r))),
            Duration.ofSeconds(10));

    assertThat(records).extracting(KafkaTestClient::valueText).containsExactly("late");
    assertThat(late.join().offset()).isZero();
  }

  @Test
  void creatingExistingTopicsAgainKeepsThemAndTheirRecords() throws Exception {
    String topic = uniqueTopic();
    KafkaBroker.createTopics(topic, topic);
    client.produce(topic, "k", Map.of(), bytes("kept"));

    KafkaBroker.createTopics(topic, uniqueTopic());

    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers()))) {
      var description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      assertThat(description.partitions()).hasSize(1);
    }
    assertThat(client.readAll(topic))
        .extracting(KafkaTestClient::valueText)
        .containsExactly("kept");
  }

  @Test
  void readsNothingFromATopicThatDoesNotExist() {
    assertThat(client.readAll(uniqueTopic())).isEmpty();
  }

  @Test
  void reportsWhatItReadWhenTheConditionNeverHolds() {
    String topic = uniqueTopic();
    client.produce(topic, "only-key", Map.of("ce_type", "t"), bytes("x"));
    // On a busy machine the first read of a new topic may take longer than the short wait below.
    client.readAtLeast(topic, 1, Duration.ofSeconds(30));

    assertThatThrownBy(() -> client.readAtLeast(topic, 2, Duration.ofSeconds(2)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the 1 records of " + topic)
        .hasMessageContaining("key=only-key");
  }

  @Test
  void kafkaResourcePointsTheApplicationAtTheBrokerAndTurnsDevServicesOff() {
    String topic = uniqueTopic();
    KafkaResource resource = new KafkaResource();
    resource.init(Map.of(KafkaResource.TOPICS, topic + " , " + uniqueTopic()));

    Map<String, String> config = resource.start();

    assertThat(config)
        .containsEntry("kafka.bootstrap.servers", KafkaBroker.bootstrapServers())
        .containsEntry(
            "mp.messaging.connector.smallrye-kafka.bootstrap.servers",
            KafkaBroker.bootstrapServers())
        .containsEntry("quarkus.kafka.devservices.enabled", "false");
    assertThat(client.readAll(topic)).isEmpty();
    resource.stop();
    assertThat(KafkaBroker.bootstrapServers()).isEqualTo(config.get("kafka.bootstrap.servers"));
  }

  private static String uniqueTopic() {
    return "test." + UUID.randomUUID();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }
}
