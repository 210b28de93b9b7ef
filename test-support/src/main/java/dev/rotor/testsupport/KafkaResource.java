package dev.rotor.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Arrays;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} application at the test JVM's real Kafka broker ({@link
 * KafkaBroker}) and turns Kafka Dev Services off:
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = KafkaResource.class,
 *     initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = "rotor.requests,rotor.keys"))
 * }</pre>
 *
 * <p>The broker is shared by every test class of the JVM and outlives this resource: {@link
 * #stop()} leaves it running. Topics persist too, so a test reads what it produced by its own keys
 * or ids rather than by counting a topic's records.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

  /** Init arg: comma-separated topics to create before the application starts. */
  public static final String TOPICS = "topics";

  private String[] topics = new String[0];

  @Override
  public void init(Map<String, String> initArgs) {
    String value = initArgs.getOrDefault(TOPICS, "");
    topics =
        Arrays.stream(value.split(","))
            .map(String::trim)
            .filter(topic -> !topic.isEmpty())
            .toArray(String[]::new);
  }

  @Override
  public Map<String, String> start() {
    String bootstrapServers = KafkaBroker.bootstrapServers();
    if (topics.length > 0) {
      KafkaBroker.createTopics(topics);
    }
    return Map.of(
        "kafka.bootstrap.servers", bootstrapServers,
        "mp.messaging.connector.smallrye-kafka.bootstrap.servers", bootstrapServers,
        "quarkus.kafka.devservices.enabled", "false");
  }

  @Override
  public void stop() {
    // The broker belongs to the JVM, not to one application: a shutdown hook stops it.
  }
}
