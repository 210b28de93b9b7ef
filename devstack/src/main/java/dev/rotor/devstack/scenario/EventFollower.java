package dev.rotor.devstack.scenario;

import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The devstack's own view of the events, to drive its scenarios (approve once the change is
 * proposed, turn production's fault on for the new key): reads every event topic from the beginning
 * in a background thread, decoding each record with the contract's checks.
 */
public final class EventFollower implements AutoCloseable {
  private final List<EventEnvelope> events = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  public EventFollower(String bootstrapServers) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.CLIENT_ID_CONFIG, "rotor-devstack-follower");
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : Topics.EVENT_TOPICS) {
      partitions.add(new TopicPartition(topic, 0));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread =
        new Thread(
            () -> {
              try (consumer) {
                while (running) {
                  for (ConsumerRecord<String, byte[]> record :
                      consumer.poll(Duration.ofMillis(200))) {
                    try {
                      events.add(KafkaEvents.fromRecord(record));
                    } catch (EventDecodingException e) {
                      // Not a valid event: the services dead-letter it; the scenario ignores it.
                    }
                  }
                }
              }
            },
            "rotor-devstack-events");
    thread.setDaemon(true);
    thread.start();
  }

  /** The first event of {@code rotationId} of {@code type}, if it arrived. */
  public Optional<EventEnvelope> first(String rotationId, EventType type) {
    return events.stream()
        .filter(e -> rotationId.equals(e.rotationId()) && e.type() == type)
        .findFirst();
  }

  /** The first event of the rotation that matches. */
  public Optional<EventEnvelope> first(String rotationId, Predicate<EventEnvelope> condition) {
    return events.stream()
        .filter(e -> rotationId.equals(e.rotationId()) && condition.test(e))
        .findFirst();
  }

  /** Every event read so far, in the order read. */
  public List<EventEnvelope> all() {
    return List.copyOf(events);
  }

  /** Every event of the rotation so far, in the order read. */
  public List<EventEnvelope> of(String rotationId) {
    return events.stream().filter(e -> rotationId.equals(e.rotationId())).toList();
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

  static boolean isTerminal(EventType type) {
    return type == EventType.ROTATION_COMPLETED
        || type == EventType.ROTATION_ROLLED_BACK
        || type == EventType.ROTATION_FAILED
        || type == EventType.ROTATION_REJECTED;
  }
}
