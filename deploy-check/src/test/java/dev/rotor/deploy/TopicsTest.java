package dev.rotor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.common.event.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** deploy/k8s/topics creates exactly Rotor's topics, with the settings docs/deploy.md explains. */
class TopicsTest {
  private static final long DAY_MS = 24L * 60 * 60 * 1000;
  private static final Set<String> TOPIC_CONFIG_KEYS =
      Set.of("cleanup.policy", "retention.ms", "min.insync.replicas", "max.message.bytes");

  private final Rendered topics = Rendered.of(Repo.K8S.resolve("topics"));

  @Test
  void everyTopicOfTheServicesIsAKafkaTopicForTheTopicOperator() {
    Map<String, JsonNode> byName = byTopicName();
    List<String> expected = new ArrayList<>(Topics.EVENT_TOPICS);
    expected.add(Topics.DLQ);

    assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    for (JsonNode topic : topics.documents()) {
      String name = topic.at("/metadata/name").asText();
      assertThat(topic.at("/apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1beta2");
      assertThat(topic.at("/kind").asText()).isEqualTo("KafkaTopic");
      assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText()).as(name).isNotBlank();
      assertThat(fieldNames(topic.at("/spec")))
          .as(name)
          .isSubsetOf("topicName", "partitions", "replicas", "config");
      assertThat(fieldNames(topic.at("/spec/config")))
          .as("%s config", name)
          .isSubsetOf(TOPIC_CONFIG_KEYS);
      assertThat(topic.at("/spec/partitions").asInt()).as(name).isPositive();
      assertThat(topic.at("/spec/replicas").asInt()).as(name).isEqualTo(3);
      // Producers write with acks=all: an acknowledged event is on two brokers at least.
      assertThat(topic.at("/spec/config/min.insync.replicas").asInt()).as(name).isEqualTo(2);
      // A rotation is a chain of events under one key: compaction would keep only the last.
      assertThat(topic.at("/spec/config/cleanup.policy").asText()).as(name).isEqualTo("delete");
    }
  }

  @Test
  void eventsOutliveAnyRotationAndDeadLettersOutliveEvents() {
    Map<String, JsonNode> byName = byTopicName();
    for (String event : Topics.EVENT_TOPICS) {
      long retention = byName.get(event).at("/spec/config/retention.ms").asLong();
      assertThat(retention).as("%s retention", event).isGreaterThanOrEqualTo(30 * DAY_MS);
    }
    long events = byName.get(Topics.REQUESTS).at("/spec/config/retention.ms").asLong();
    assertThat(byName.get(Topics.DLQ).at("/spec/config/retention.ms").asLong())
        .isGreaterThan(events);
    // The ledger's checkpoints are one ordered sequence.
    assertThat(byName.get(Topics.LEDGER).at("/spec/partitions").asInt()).isEqualTo(1);
    // The events of one target are keyed alike: every event topic has the same partition count.
    assertThat(
            Topics.EVENT_TOPICS.stream()
                .filter(t -> !t.equals(Topics.LEDGER))
                .map(t -> byName.get(t).at("/spec/partitions").asInt())
                .distinct())
        .hasSize(1);
  }

  @Test
  void aRecordAnEventTopicTakesFitsTheDeadLetterTopicWithItsDeadLetterHeaders() {
    Map<String, JsonNode> byName = byTopicName();
    for (String topic : byName.keySet()) {
      assertThat(byName.get(topic).at("/spec/config/max.message.bytes").asText())
          .as("%s max.message.bytes", topic)
          .isEqualTo(Topics.config(topic).get("max.message.bytes"));
    }
    assertThat(Topics.DLQ_MAX_MESSAGE_BYTES).isEqualTo(2 * Topics.EVENT_MAX_MESSAGE_BYTES);
  }

  private Map<String, JsonNode> byTopicName() {
    Map<String, JsonNode> byName = new TreeMap<>();
    topics.documents().forEach(t -> byName.put(t.at("/spec/topicName").asText(), t));
    return byName;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
