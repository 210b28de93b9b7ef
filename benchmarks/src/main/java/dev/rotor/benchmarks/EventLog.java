package dev.rotor.benchmarks;

import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Every event on Rotor's topics from now on, with its record timestamp (the producer's send time)
 * and the time this reader received it, read in a background thread; what the breakdown of a
 * rotation's time is computed from.
 */
final class EventLog implements AutoCloseable {
  /** One event as read: the envelope, its topic, the record's timestamp, when it was read. */
  record Seen(EventEnvelope event, String topic, long recordMillis, long readMillis) {}

  private final List<Seen> all = new CopyOnWriteArrayList<>();
  private final Map<String, List<Seen>> byRotation = new ConcurrentHashMap<>();
  private final Thread thread;
  private final Consumer<Seen> listener;
  private volatile boolean running = true;

  EventLog(String bootstrapServers, Consumer<Seen> listener) {
    this.listener = listener;
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
            10,
            ConsumerConfig.CLIENT_ID_CONFIG,
            "rotor-bench-event-log");
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : Topics.EVENT_TOPICS) {
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    // Resolve the positions now: nothing sent after the constructor returns is missed.
    partitions.forEach(p -> consumer.position(p, Duration.ofSeconds(10)));
    thread =
        new Thread(
            () -> {
              try (consumer) {
                while (running) {
                  for (ConsumerRecord<String, byte[]> record :
                      consumer.poll(Duration.ofMillis(100))) {
                    long read = System.currentTimeMillis();
                    try {
                      add(
                          new Seen(
                              KafkaEvents.fromRecord(record),
                              record.topic(),
                              record.timestamp(),
                              read));
                    } catch (EventDecodingException e) {
                      System.err.println(
                          "ROTOR-9010 an invalid record on "
                              + record.topic()
                              + " at offset "
                              + record.offset()
                              + ": "
                              + e.getMessage());
                    }
                  }
                }
              }
            },
            "rotor-bench-event-log");
    thread.setDaemon(true);
    thread.start();
  }

  private void add(Seen seen) {
    all.add(seen);
    if (seen.event().rotationId() != null) {
      byRotation
          .computeIfAbsent(seen.event().rotationId(), k -> new CopyOnWriteArrayList<>())
          .add(seen);
    }
    listener.accept(seen);
  }

  List<Seen> all() {
    return all;
  }

  List<Seen> of(String rotationId) {
    return byRotation.getOrDefault(rotationId, List.of());
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
