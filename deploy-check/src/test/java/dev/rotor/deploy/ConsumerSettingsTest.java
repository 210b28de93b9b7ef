package dev.rotor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every Kafka consumer of every service, as its packaged {@code application.properties} sets it up:
 * how fast its partitions move on when it dies, and whether what it refuses fits {@code rotor.dlq}.
 */
class ConsumerSettingsTest {
  private static final List<String> SERVICES =
      List.of(
          "key-generator",
          "manifest-service",
          "cluster-agent",
          "verifier",
          "ledger-service",
          "notifier");
  private static final Pattern GROUP =
      Pattern.compile("mp\\.messaging\\.incoming\\.(.+)\\.group\\.id");

  /** The longest a dead consumer may hold its partitions (docs/architecture.md). */
  private static final int MAX_SESSION_TIMEOUT_MS = 15_000;

  /** A broker refuses a session shorter than its group.min.session.timeout.ms, 6 s by default. */
  private static final int BROKER_MIN_SESSION_TIMEOUT_MS = 6_000;

  @Test
  void aConsumerThatDiesWithoutLeavingGivesUpItsPartitionsWithinSeconds() throws IOException {
    List<String> checked = new ArrayList<>();
    for (String service : SERVICES) {
      Properties props = properties(service);
      for (String channel : channels(props)) {
        String prefix = "mp.messaging.incoming." + channel + ".";
        String where = service + " " + prefix;
        int session = intValue(props, prefix + "session.timeout.ms", where);
        int heartbeat = intValue(props, prefix + "heartbeat.interval.ms", where);
        assertThat(session)
            .as(where + "session.timeout.ms")
            .isBetween(BROKER_MIN_SESSION_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS);
        // Kafka's rule of thumb: at least three heartbeats per session, so one lost heartbeat
        // does not expel a live consumer.
        assertThat(heartbeat).as(where + "heartbeat.interval.ms").isLessThanOrEqualTo(session / 3);
        checked.add(service + "/" + channel);
      }
    }
    // Every service reads Kafka: a service whose channels are not found here is a broken test.
    assertThat(checked).hasSizeGreaterThanOrEqualTo(SERVICES.size());
  }

  @Test
  void aRecordAConsumerRefusesFitsTheDeadLetterTopic() throws IOException {
    for (String service : SERVICES) {
      Properties props = properties(service);
      for (String channel : channels(props)) {
        String prefix = "mp.messaging.incoming." + channel + ".";
        if ("dead-letter-queue".equals(props.getProperty(prefix + "failure-strategy"))) {
          assertThat(props.getProperty(prefix + "dead-letter-queue.topic"))
              .as(service + " " + prefix + "dead-letter-queue.topic")
              .isEqualTo(Topics.DLQ);
          assertThat(props.getProperty(prefix + "dead-letter-queue.max.request.size"))
              .as(service + " " + prefix + "dead-letter-queue.max.request.size")
              .isEqualTo(Integer.toString(Topics.DLQ_MAX_MESSAGE_BYTES));
        }
      }
    }
  }

  private static Properties properties(String service) throws IOException {
    Path file = Repo.ROOT.resolve(service).resolve("src/main/resources/application.properties");
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      props.load(reader);
    }
    return props;
  }

  private static Set<String> channels(Properties props) {
    Set<String> channels = new TreeSet<>();
    for (String key : props.stringPropertyNames()) {
      Matcher m = GROUP.matcher(key);
      if (m.matches()) {
        channels.add(m.group(1));
      }
    }
    return channels;
  }

  private static int intValue(Properties props, String key, String where) {
    String value = props.getProperty(key);
    assertThat(value).as(where + " sets " + key).isNotNull();
    return Integer.parseInt(value.trim());
  }
}
