package dev.rotor.verifier;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.testsupport.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the events of one topic from its beginning, and on every call what came since: tests poll
 * it often while they wait for verdicts, without re-reading the topic each time.
 */
final class TopicReader implements AutoCloseable {
  private final String topic;
  private final List<EventEnvelope> events = new ArrayList<>();
  private KafkaConsumer<byte[], byte[]> consumer;

  TopicReader(String topic) {
    this.topic = topic;
  }

  /** Every event of the topic so far, in offset order. */
  synchronized List<EventEnvelope> read() {
    if (consumer == null) {
      consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  KafkaBroker.bootstrapServers(),
                  ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                  false,
                  ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                  "read_committed"),
              new ByteArrayDeserializer(),
              new ByteArrayDeserializer());
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    }
    ConsumerRecords<byte[], byte[]> records;
    do {
      records = consumer.poll(Duration.ofMillis(200));
      for (ConsumerRecord<byte[], byte[]> record : records) {
        events.add(KafkaEvents.fromRecord(record));
      }
    } while (!records.isEmpty());
    return List.copyOf(events);
  }

  @Override
  public synchronized void close() {
    if (consumer != null) {
      consumer.close();
    }
  }
}
