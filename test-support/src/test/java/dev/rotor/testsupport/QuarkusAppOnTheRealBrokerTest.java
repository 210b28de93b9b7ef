package dev.rotor.testsupport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.testsupport.app.EchoProcessor;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value = "test.quarkus.probe-in,test.quarkus.probe-out"))
class QuarkusAppOnTheRealBrokerTest {

  @Inject EchoProcessor processor;

  @Inject
  @Channel("probe-out")
  Emitter<String> emitter;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrapServers;

  @Test
  void sharesTheJvmsOnlyBrokerAndDatabaseServerWithPlainTests() throws Exception {
    Class<?> plainBroker = systemCopy(KafkaBroker.class);
    Class<?> plainPostgres = systemCopy(PostgresServer.class);
    assertThat(plainBroker).isNotSameAs(KafkaBroker.class);

    assertThat(bootstrapServers)
        .isEqualTo(KafkaBroker.bootstrapServers())
        .isEqualTo(plainBroker.getMethod("bootstrapServers").invoke(null));
    assertThat(PostgresServer.jdbcUrl("x"))
        .isEqualTo(plainPostgres.getMethod("jdbcUrl", String.class).invoke(null, "x"));
  }

  @Test
  void applicationConsumesARecordThatTheTestProduces() {
    String value = "probe-" + UUID.randomUUID();
    try (KafkaTestClient client = new KafkaTestClient()) {
      client.produce("test.quarkus.probe-in", "k", Map.of("ce_type", "t"), value.getBytes(UTF_8));
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> processor.received().contains(value));
  }

  private static Class<?> systemCopy(Class<?> type) throws ClassNotFoundException {
    return Class.forName(type.getName(), true, ClassLoader.getSystemClassLoader());
  }

  @Test
  void testReadsWhatTheApplicationPublishesWithKeyAndHeaders() {
    String value = "sent-" + UUID.randomUUID();
    emitter.send(
        Message.of(value)
            .addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey("target-1")
                    .withHeaders(new RecordHeaders().add("ce_id", "e-42".getBytes(UTF_8)))
                    .build()));

    List<ConsumerRecord<byte[], byte[]>> records;
    try (KafkaTestClient client = new KafkaTestClient()) {
      records =
          client.readUntil(
              "test.quarkus.probe-out",
              seen -> seen.stream().anyMatch(r -> value.equals(KafkaTestClient.valueText(r))),
              Duration.ofSeconds(20));
    }
    ConsumerRecord<byte[], byte[]> record =
        records.stream().filter(r -> value.equals(KafkaTestClient.valueText(r))).findFirst().get();
    assertThat(KafkaTestClient.key(record)).isEqualTo("target-1");
    assertThat(KafkaTestClient.headerValue(record, "ce_id")).isEqualTo("e-42");
  }
}
