package dev.rotor.keygen.rotation;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * How far the outcome consumer ({@link OutcomeConsumer}, channel {@value #CHANNEL}) has got, so
 * that a request can wait for the events that end rotations before it is refused as {@code
 * IN_FLIGHT}.
 *
 * <p>Requests and the events that end rotations arrive on different topics, read by different
 * consumers: nothing orders a {@code rotation.completed} before a request sent after it. A
 * requester that asks again as soon as it sees a rotation end, or a key-generator that just
 * restarted and reads both backlogs at once, would otherwise be refused for a rotation that has
 * already ended. {@link #awaitCaughtUp} takes the end of the target's partition of each outcome
 * topic (every Rotor event is keyed by its target id, {@code deploy/k8s/topics/topics.yaml}) and
 * waits until each record before it is handled: by this instance (its own count, exact and at once)
 * or by another instance of the group (its committed offsets, which the connector commits only for
 * records already handled). Rotor's producers are not transactional, so every offset below the end
 * is a record to handle.
 *
 * <p>The offsets are read on the outcome consumer's polling thread (its client and credentials),
 * each call bounded by what is left of the wait.
 */
@ApplicationScoped
public class OutcomeProgress {
  /** The channel the outcome consumer reads. */
  public static final String CHANNEL = "outcomes";

  /** How a wait ended. */
  public record Progress(boolean caughtUp, String why) {
    static final Progress CAUGHT_UP = new Progress(true, "every earlier record is handled");
  }

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration BROKER_CALL = Duration.ofSeconds(5);

  @Inject KafkaClientService kafka;

  /** Per partition: the offset after the last record this instance's outcome consumer handled. */
  private final Map<TopicPartition, Long> handled = new ConcurrentHashMap<>();

  /** Records that the outcome consumer is done with the record at {@code offset}. */
  void handled(String topic, int partition, long offset) {
    handled.merge(new TopicPartition(topic, partition), offset + 1, Math::max);
  }

  /**
   * Waits until every record of {@code targetId} on the outcome topics now has been handled, for at
   * most {@code timeout}.
   */
  public Progress awaitCaughtUp(String targetId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    KafkaConsumer<Object, Object> consumer;
    try {
      consumer = kafka.getConsumer(CHANNEL);
    } catch (RuntimeException e) {
      consumer = null;
    }
    if (consumer == null) {
      return new Progress(false, "the " + CHANNEL + " channel has no consumer");
    }
    try {
      Map<TopicPartition, Long> ends = null;
      while (ends == null) {
        Duration call = bounded(deadline);
        Function<Consumer<Object, Object>, Map<TopicPartition, Long>> readEnds =
            c -> toRead(c, targetId, call);
        ends = consumer.runOnPollingThread(readEnds).await().atMost(remaining(deadline));
        if (ends == null && !pause(deadline)) {
          return new Progress(false, "the " + CHANNEL + " consumer has not subscribed yet");
        }
      }
      while (true) {
        Set<TopicPartition> behind = behind(ends, Map.of());
        if (!behind.isEmpty()) {
          Duration call = bounded(deadline);
          Function<Consumer<Object, Object>, Map<TopicPartition, OffsetAndMetadata>> readCommitted =
              c -> c.committed(behind, call);
          Map<TopicPartition, OffsetAndMetadata> committed =
              consumer.runOnPollingThread(readCommitted).await().atMost(remaining(deadline));
          behind.retainAll(behind(ends, committed));
        }
        if (behind.isEmpty()) {
          return Progress.CAUGHT_UP;
        }
        if (!pause(deadline)) {
          return new Progress(false, "records of " + behind + " are not handled yet");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Progress(false, "interrupted");
    } catch (io.smallrye.mutiny.TimeoutException e) {
      return new Progress(
          false, "the wait ran out while Kafka was asked how far the " + CHANNEL + " consumer got");
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
      return new Progress(
          false,
          "Kafka could not say how far the "
              + CHANNEL
              + " consumer got ("
              + cause.getClass().getSimpleName()
              + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
              + ")");
    }
  }

  /** The partitions whose records before {@code ends} are not all handled. */
  private Set<TopicPartition> behind(
      Map<TopicPartition, Long> ends, Map<TopicPartition, OffsetAndMetadata> committed) {
    Set<TopicPartition> behind = new HashSet<>();
    ends.forEach(
        (partition, end) -> {
          long done = handled.getOrDefault(partition, 0L);
          OffsetAndMetadata byGroup = committed.get(partition);
          if (byGroup != null) {
            done = Math.max(done, byGroup.offset());
          }
          if (done < end) {
            behind.add(partition);
          }
        });
    return behind;
  }

  /**
   * The end of the partition of {@code targetId} in each subscribed topic, leaving out those whose
   * records all expired (their start is their end: nothing is left to read); null before the
   * consumer subscribed.
   */
  private static Map<TopicPartition, Long> toRead(
      Consumer<Object, Object> consumer, String targetId, Duration call) {
    byte[] key = targetId.getBytes(StandardCharsets.UTF_8);
    Set<TopicPartition> partitions = new HashSet<>();
    for (String topic : consumer.subscription()) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, call);
      if (infos != null && !infos.isEmpty()) {
        // The producer's default partitioner for a keyed record.
        partitions.add(
            new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % infos.size()));
      }
    }
    if (partitions.isEmpty()) {
      return null;
    }
    Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions, call));
    consumer.beginningOffsets(partitions, call).forEach((p, start) -> ends.remove(p, start));
    return ends;
  }

  /** Sleeps one poll interval if that ends before the deadline; false if it would not. */
  private static boolean pause(long deadline) throws InterruptedException {
    if (System.nanoTime() + POLL.toNanos() > deadline) {
      return false;
    }
    Thread.sleep(POLL.toMillis());
    return true;
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }

  /** The longest a single call to the broker may take: {@link #BROKER_CALL}, within the wait. */
  private static Duration bounded(long deadline) {
    Duration left = remaining(deadline);
    return left.compareTo(BROKER_CALL) < 0 ? left : BROKER_CALL;
  }
}
