package dev.rotor.ledger.support;

import static org.awaitility.Awaitility.await;

import dev.rotor.testsupport.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether the ledger's consumer group has committed everything on Rotor's event topics: after that,
 * every record produced before has been processed (stored, skipped as a duplicate, or
 * dead-lettered). Committed offsets are what the service guarantees, so tests wait on them.
 */
public final class Consumption {
  public static final String GROUP = "rotor-ledger-service";
  private static final List<String> TOPICS =
      List.of(
          "rotor.requests",
          "rotor.keys",
          "rotor.manifests",
          "rotor.rollouts",
          "rotor.verifications",
          "rotor.approvals",
          "rotor.ledger");

  private Consumption() {}

  /** Waits until the group's committed offsets reach the end of every event topic. */
  public static void awaitAllCommitted(Duration timeout) {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers()))) {
      await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> caughtUp(admin));
    }
  }

  private static boolean caughtUp(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
    Map<TopicPartition, OffsetSpec> latest =
        admin.describeTopics(TOPICS).allTopicNames().get().values().stream()
            .flatMap(
                d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
            .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
        admin.listOffsets(latest).all().get();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
      long endOffset = end.getValue().offset();
      if (endOffset == 0) {
        continue;
      }
      OffsetAndMetadata done = committed.get(end.getKey());
      if (done == null || done.offset() < endOffset) {
        return false;
      }
    }
    return true;
  }
}
