package dev.rotor.cli.kafka;

import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.messaging.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads Rotor's event topics from their beginning, without a consumer group (nothing is committed,
 * so rotorctl never disturbs a service), decoding every record with {@link CloudEventBinding}'s
 * checks. A record that is not a valid event is skipped and counted ({@link #skipped()}), never
 * shown as if it were one.
 *
 * <p>{@link #catchUp} reads what the topics hold now; {@link #poll} then returns what arrives
 * afterwards, including topics created later.
 */
public final class EventReader implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration RESCAN = Duration.ofSeconds(2);

  private final KafkaAccess kafka;
  private final Predicate<Map<String, String>> filter;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Set<TopicPartition> assigned = new HashSet<>();
  private final List<String> skipped = new ArrayList<>();
  private long lastScan;
  private TraceContext.Stored lastTrace;

  /**
   * @param filter which records to decode, by their headers (first value of each, as UTF-8); the
   *     rest is passed over without decoding
   */
  public EventReader(KafkaAccess kafka, Predicate<Map<String, String>> filter) {
    this.kafka = kafka;
    this.filter = filter;
    Map<String, Object> config = kafka.common("rotorctl-reader");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) kafka.timeout().toMillis());
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) kafka.timeout().toMillis());
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Only the records of one rotation ({@code ce_rotationid}). */
  public static Predicate<Map<String, String>> rotation(String rotationId) {
    return headers -> rotationId.equals(headers.get(CloudEventBinding.H_ROTATION_ID));
  }

  /** Only the records of one target ({@code ce_subject}). */
  public static Predicate<Map<String, String>> target(String targetId) {
    return headers -> targetId.equals(headers.get(CloudEventBinding.H_SUBJECT));
  }

  /** Every record that belongs to a rotation. */
  public static Predicate<Map<String, String>> anyRotation() {
    return headers -> headers.containsKey(CloudEventBinding.H_ROTATION_ID);
  }

  /**
   * Reads every matching event the topics hold now (up to the end offsets seen when it starts) and
   * returns them in the order read.
   */
  public List<EventEnvelope> catchUp() {
    scanTopics(true);
    Map<TopicPartition, Long> end = consumer.endOffsets(assigned, kafka.timeout());
    List<EventEnvelope> events = new ArrayList<>();
    long deadline = System.nanoTime() + kafka.timeout().toNanos() * 6;
    while (!reached(end)) {
      if (System.nanoTime() - deadline > 0) {
        throw kafka.unreachable(null);
      }
      pollOnce(events::add);
    }
    return events;
  }

  /** Waits up to one short poll for new events and hands each to {@code sink}. */
  public void poll(Consumer<EventEnvelope> sink) {
    if (System.nanoTime() - lastScan > RESCAN.toNanos()) {
      scanTopics(false);
    }
    if (assigned.isEmpty()) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    pollOnce(sink);
  }

  /** The trace context of the last matching record that carried one, or null. */
  public TraceContext.Stored lastTraceContext() {
    return lastTrace;
  }

  /** Descriptions of the records that were not valid events, first ones first. */
  public List<String> skipped() {
    return List.copyOf(skipped);
  }

  private void pollOnce(Consumer<EventEnvelope> sink) {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
      if (!filter.test(firstHeaders(record))) {
        continue;
      }
      try {
        EventEnvelope event = KafkaEvents.fromRecord(record);
        TraceContext.Stored trace = TraceContext.ofRecord(record);
        if (trace != null) {
          lastTrace = trace;
        }
        sink.accept(event);
      } catch (EventDecodingException e) {
        skipped.add(
            record.topic()
                + "@"
                + record.partition()
                + ":"
                + record.offset()
                + " "
                + e.getMessage());
      }
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    return end.entrySet().stream()
        .allMatch(entry -> consumer.position(entry.getKey(), kafka.timeout()) >= entry.getValue());
  }

  /** Assigns the partitions of event topics not assigned yet, from their beginning. */
  private void scanTopics(boolean failIfUnreachable) {
    lastScan = System.nanoTime();
    Map<String, List<PartitionInfo>> topics;
    try {
      topics = consumer.listTopics(kafka.timeout());
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      if (failIfUnreachable) {
        throw kafka.unreachable(e);
      }
      return;
    }
    List<TopicPartition> added = new ArrayList<>();
    for (String topic : Topics.EVENT_TOPICS) {
      for (PartitionInfo info : topics.getOrDefault(topic, List.of())) {
        TopicPartition partition = new TopicPartition(topic, info.partition());
        if (assigned.add(partition)) {
          added.add(partition);
        }
      }
    }
    if (!added.isEmpty()) {
      consumer.assign(assigned);
      consumer.seekToBeginning(added);
    }
  }

  private static Map<String, String> firstHeaders(ConsumerRecord<String, byte[]> record) {
    Map<String, String> headers = new java.util.HashMap<>();
    for (Header header : record.headers()) {
      if (header.value() != null) {
        headers.putIfAbsent(header.key(), new String(header.value(), StandardCharsets.UTF_8));
      }
    }
    return headers;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
