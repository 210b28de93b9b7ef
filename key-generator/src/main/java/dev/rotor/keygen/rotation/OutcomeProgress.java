package dev.rotor.keygen.rotation;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * How far the outcome consumer ({@link OutcomeConsumer}, channel {@value #CHANNEL}) has got, so
 * that a request can wait for the events that end rotations before it is refused as {@code
 * IN_FLIGHT}.
 *
 * <p>Requests and the events that end rotations arrive on different topics, read by different
 * consumers: nothing orders a {@code rotation.completed} before a request sent after it. A
 * requester that asks again as soon as it sees a rotation end, or a key-generator that just
 * restarted and reads both backlogs at once, would otherwise be refused for a rotation that has
 * already ended. {@link #awaitCaughtUp} takes the end of every partition of the outcome topics and
 * waits until each record before it is handled: by this instance (its own count, exact and at once)
 * or by another instance of the group (its committed offsets).
 */
@ApplicationScoped
public class OutcomeProgress {
  /** The channel the outcome consumer reads. */
  public static final String CHANNEL = "outcomes";

  private static final Logger LOG = Logger.getLogger(OutcomeProgress.class);
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
   * Waits until every record on the outcome topics now has been handled, for at most {@code
   * timeout}.
   *
   * @return whether it was; false too when the broker cannot say (it is unreachable, or the channel
   *     is not running)
   */
  public boolean awaitCaughtUp(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    KafkaConsumer<Object, Object> consumer;
    try {
      consumer = kafka.getConsumer(CHANNEL);
    } catch (RuntimeException e) {
      consumer = null;
    }
    if (consumer == null) {
      LOG.debugf("ROTOR-1003 the %s channel has no consumer: cannot tell how far it got", CHANNEL);
      return false;
    }
    try {
      Function<Consumer<Object, Object>, Map<TopicPartition, Long>> readEnds =
          OutcomeProgress::endOffsets;
      Map<TopicPartition, Long> ends =
          consumer.runOnPollingThread(readEnds).await().atMost(remaining(deadline));
      if (ends.isEmpty()) {
        LOG.debugf("ROTOR-1003 the %s channel has no partitions yet: cannot tell", CHANNEL);
        return false;
      }
      while (true) {
        Set<TopicPartition> behind = behind(ends, Map.of());
        if (!behind.isEmpty()) {
          Function<Consumer<Object, Object>, Map<TopicPartition, OffsetAndMetadata>> readCommitted =
              c -> c.committed(behind, BROKER_CALL);
          Map<TopicPartition, OffsetAndMetadata> committed =
              consumer.runOnPollingThread(readCommitted).await().atMost(remaining(deadline));
          behind.retainAll(behind(ends, committed));
        }
        if (behind.isEmpty()) {
          return true;
        }
        if (System.nanoTime() + POLL.toNanos() > deadline) {
          return false;
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (RuntimeException e) {
      LOG.debugf(
          "ROTOR-1003 cannot tell how far the %s channel got: %s",
          CHANNEL, e.getClass().getSimpleName());
      return false;
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

  private static Map<TopicPartition, Long> endOffsets(Consumer<Object, Object> consumer) {
    Set<TopicPartition> partitions = new HashSet<>();
    for (String topic : consumer.subscription()) {
      for (PartitionInfo info : consumer.partitionsFor(topic, BROKER_CALL)) {
        partitions.add(new TopicPartition(info.topic(), info.partition()));
      }
    }
    return new HashMap<>(consumer.endOffsets(partitions, BROKER_CALL));
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }
}
