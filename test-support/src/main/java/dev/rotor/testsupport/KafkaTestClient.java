package dev.rotor.testsupport;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.rotor.common.event.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Raw Kafka access for tests: produces records exactly as given (key, headers, bytes) and reads a
 * topic from its beginning with a fresh consumer each time, so what a test sees does not depend on
 * what an earlier read consumed. Reads see committed records only ({@code read_committed}), as a
 * service's consumer would. Close the client to close its producer.
 */
public final class KafkaTestClient implements AutoCloseable {

  /** How long {@link #readAll(String)} and a produce wait at most. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(2);

  private final String bootstrapServers;
  private KafkaProducer<byte[], byte[]> producer;

  /** A client of the test JVM's broker ({@link KafkaBroker}). */
  public KafkaTestClient() {
    this(KafkaBroker.bootstrapServers());
  }

  public KafkaTestClient(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Produces one record and waits until the broker acknowledged it. Headers are written in the
   * given order, repeated names included; {@code key} may be null.
   */
  public RecordMetadata produce(String topic, String key, Iterable<Header> headers, byte[] value) {
    byte[] keyBytes = key == null ? null : key.getBytes(UTF_8);
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic, null, keyBytes, value, headers);
    try {
      return producer().send(record).get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Cannot produce to " + topic, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Timed out producing to " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted producing to " + topic, e);
    }
  }

  /** Like {@link #produce(String, String, Iterable, byte[])}, with UTF-8 header values. */
  public RecordMetadata produce(
      String topic, String key, Map<String, String> headers, byte[] value) {
    List<Header> list = new ArrayList<>();
    headers.forEach((name, text) -> list.add(header(name, text)));
    return produce(topic, key, list, value);
  }

  /**
   * Reads the topic from its beginning until {@code done} holds for the records read so far, and
   * returns them (in offset order per partition). A topic that does not exist yet is waited for.
   *
   * @throws AssertionError when {@code done} still fails after {@code timeout}
   */
  public List<ConsumerRecord<byte[], byte[]>> readUntil(
      String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> view = Collections.unmodifiableList(records);
    try (KafkaConsumer<byte[], byte[]> consumer = newConsumer()) {
      Set<TopicPartition> assigned = new HashSet<>();
      Awaitility.await()
          .atMost(timeout)
          .pollDelay(Duration.ZERO)
          .pollInterval(POLL_INTERVAL)
          .pollInSameThread()
          .until(
              () -> {
                assignNewPartitions(consumer, topic, assigned);
                if (!assigned.isEmpty()) {
                  consumer.poll(POLL).records(topic).forEach(records::add);
                }
                return done.test(view);
              });
      return records;
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "After "
              + timeout.toMillis()
              + " ms, the "
              + records.size()
              + " records of "
              + topic
              + " do not satisfy the condition: "
              + describe(records),
          e);
    }
  }

  /** Reads the topic from its beginning until it holds at least {@code count} records. */
  public List<ConsumerRecord<byte[], byte[]>> readAtLeast(
      String topic, int count, Duration timeout) {
    return readUntil(topic, records -> records.size() >= count, timeout);
  }

  /**
   * Reads every record the topic holds now: up to the end offsets taken when the call starts. A
   * topic that does not exist gives an empty list.
   */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = newConsumer()) {
      Set<TopicPartition> partitions = new HashSet<>();
      assignNewPartitions(consumer, topic, partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, DEFAULT_TIMEOUT);
      while (!reached(consumer, end)) {
        if (System.nanoTime() - deadline >= 0) {
          throw new AssertionError(
              "Could not read " + topic + " up to its end offsets " + end + " in time");
        }
        consumer.poll(POLL).records(topic).forEach(records::add);
      }
    }
    return records;
  }

  /**
   * A value made by {@code valueWithPadding} (given a padding length) such that the record with
   * {@code key} and {@code headers} is {@code slack} bytes short of an event topic's size limit
   * ({@link Topics#EVENT_MAX_MESSAGE_BYTES}), as the producer and the broker count it (the record
   * batch it travels in included): the largest record a hostile producer can get onto the topic.
   */
  public static byte[] valueNearTheTopicLimit(
      String key, List<Header> headers, IntFunction<byte[]> valueWithPadding, int slack) {
    int target = Topics.EVENT_MAX_MESSAGE_BYTES - slack;
    byte[] empty = valueWithPadding.apply(0);
    int padding = Math.max(0, target - recordBatchSize(key, headers, empty));
    byte[] value = valueWithPadding.apply(padding);
    while (recordBatchSize(key, headers, value) > target && padding > 0) {
      value = valueWithPadding.apply(--padding);
    }
    return value;
  }

  private static int recordBatchSize(String key, List<Header> headers, byte[] value) {
    return AbstractRecords.estimateSizeInBytesUpperBound(
        RecordBatch.CURRENT_MAGIC_VALUE,
        CompressionType.NONE,
        key == null ? null : key.getBytes(UTF_8),
        value,
        headers.toArray(Header[]::new));
  }

  /** The {@code ce_id} of each record whose {@code ce_rotationid} is one of {@code rotations}. */
  public static List<String> eventIdsOfRotations(
      List<ConsumerRecord<byte[], byte[]>> records, Set<String> rotations) {
    return records.stream()
        .filter(r -> rotations.contains(headerValue(r, "ce_rotationid")))
        .map(r -> headerValue(r, "ce_id"))
        .toList();
  }

  /** A header with a UTF-8 value. */
  public static Header header(String name, String value) {
    return new RecordHeader(name, value == null ? null : value.getBytes(UTF_8));
  }

  /**
   * The value of the record's only header {@code name} as UTF-8 text, or null if the record has no
   * such header.
   *
   * @throws AssertionError when the header is present more than once
   */
  public static String headerValue(ConsumerRecord<?, ?> record, String name) {
    List<String> values = headerValues(record, name);
    if (values.size() > 1) {
      throw new AssertionError(
          "Header " + name + " appears " + values.size() + " times: " + values);
    }
    return values.isEmpty() ? null : values.get(0);
  }

  /** Every value of header {@code name}, in record order, repeats included (UTF-8 text). */
  public static List<String> headerValues(ConsumerRecord<?, ?> record, String name) {
    return StreamSupport.stream(record.headers().headers(name).spliterator(), false)
        .map(header -> header.value() == null ? null : new String(header.value(), UTF_8))
        .collect(Collectors.toList());
  }

  /** The record key as UTF-8 text, or null. */
  public static String key(ConsumerRecord<byte[], ?> record) {
    return record.key() == null ? null : new String(record.key(), UTF_8);
  }

  /** The record value as UTF-8 text, or null. */
  public static String valueText(ConsumerRecord<?, byte[]> record) {
    return record.value() == null ? null : new String(record.value(), UTF_8);
  }

  @Override
  public synchronized void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
  }

  private synchronized KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      Map<String, Object> config = new HashMap<>();
      config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      config.put(ProducerConfig.CLIENT_ID_CONFIG, "rotor-test-producer-" + shortId());
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  private KafkaConsumer<byte[], byte[]> newConsumer() {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "rotor-test-reader-" + shortId());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Assigns the topic's partitions not yet in {@code assigned}, read from their beginning: the
   * topic may appear, or grow, while a test reads it.
   */
  private static void assignNewPartitions(
      KafkaConsumer<byte[], byte[]> consumer, String topic, Set<TopicPartition> assigned) {
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      return;
    }
    List<TopicPartition> added =
        infos.stream()
            .map(info -> new TopicPartition(info.topic(), info.partition()))
            .filter(partition -> !assigned.contains(partition))
            .toList();
    if (added.isEmpty()) {
      return;
    }
    assigned.addAll(added);
    consumer.assign(assigned);
    consumer.seekToBeginning(added);
  }

  private static boolean reached(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream()
        .allMatch(entry -> consumer.position(entry.getKey()) >= entry.getValue());
  }

  private static String describe(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream()
        .limit(20)
        .map(
            record ->
                record.partition()
                    + "@"
                    + record.offset()
                    + " key="
                    + key(record)
                    + " headers="
                    + StreamSupport.stream(record.headers().spliterator(), false)
                        .map(header -> header.key())
                        .toList())
        .collect(Collectors.joining("; ", "[", records.size() > 20 ? "; ...]" : "]"));
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
