package dev.rotor.notifier;

import static org.awaitility.Awaitility.await;

import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaTestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What the notifier's {@code @QuarkusTest}s share: topics, timeouts, offsets, the log file. */
public final class NotifierTestSetup {
  /** Every topic the notifier reads, and the dead-letter topic. */
  public static final String TOPICS =
      "rotor.requests,rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,"
          + "rotor.approvals,rotor.ledger,rotor.dlq";

  /** How long a test waits for the notifier at most. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** The notifier's consumer group. */
  public static final String GROUP = "rotor-notifier";

  private NotifierTestSetup() {}

  /** The offset the notifier's group committed on partition 0 of {@code topic}, if any. */
  public static Optional<Long> committedOffset(String topic) {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets(GROUP)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      OffsetAndMetadata offset = offsets.get(new TopicPartition(topic, 0));
      return offset == null ? Optional.empty() : Optional.of(offset.offset());
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Cannot read the committed offsets of " + GROUP, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The dead-letter record of the event {@code eventId}, once it is there. */
  public static ConsumerRecord<byte[], byte[]> deadLetterOf(
      KafkaTestClient client, String eventId) {
    List<ConsumerRecord<byte[], byte[]>> records =
        client.readUntil(
            "rotor.dlq",
            seen ->
                seen.stream()
                    .anyMatch(r -> eventId.equals(KafkaTestClient.headerValue(r, "ce_id"))),
            TIMEOUT);
    return records.stream()
        .filter(r -> eventId.equals(KafkaTestClient.headerValue(r, "ce_id")))
        .findFirst()
        .orElseThrow();
  }

  /** The application's log file (quarkus.log.file.path in the test configuration). */
  public static String logText() {
    Path file = Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "notifier-test.log");
    await().atMost(TIMEOUT).until(() -> Files.exists(file));
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
