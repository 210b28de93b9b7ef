package dev.rotor.testsupport;

import dev.rotor.common.event.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.jboss.logging.Logger;

/**
 * One real Apache Kafka broker in KRaft mode for the whole test JVM, shared by plain tests and
 * {@code @QuarkusTest} applications alike: a single node that is both broker and controller,
 * started on first use from Kafka's own test kit (the same Kafka version as the client in the
 * Quarkus BOM), and stopped by a JVM shutdown hook. Its log directories are under {@code
 * target/kafka/} (or {@code ${rotor.test.tmpdir}/kafka/}) and are deleted when it stops. Its
 * threads are not daemons: Surefire ends its forks with {@code System.exit}, a plain {@code main}
 * must do the same.
 *
 * <p>Topics are created on first use (auto creation is on) with one partition; {@link
 * #createTopics(String...)} creates them ahead, for consumers that must not miss the first record.
 */
public final class KafkaBroker {

  private static final Logger LOG = Logger.getLogger(KafkaBroker.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private static final SystemClassLoaderCopy JVM_WIDE = SystemClassLoaderCopy.of(KafkaBroker.class);

  private static volatile KafkaBroker instance;

  private final KafkaClusterTestKit cluster;
  private final String bootstrapServers;
  private final Admin admin;

  private KafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
    this.bootstrapServers = cluster.bootstrapServers();
    this.admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "rotor-test-admin"));
  }

  /** The broker's address, {@code localhost:<port>}; starts the broker on first call. */
  public static String bootstrapServers() {
    if (JVM_WIDE.isElsewhere()) {
      return JVM_WIDE.call("bootstrapServers", new Class<?>[0]);
    }
    return instance().bootstrapServers;
  }

  /**
   * Creates the topics that do not exist yet, with one partition and replication factor 1; topics
   * that exist are left as they are.
   */
  public static void createTopics(String... names) {
    if (JVM_WIDE.isElsewhere()) {
      JVM_WIDE.call("createTopics", new Class<?>[] {String[].class}, (Object) names);
      return;
    }
    KafkaBroker broker = instance();
    List<NewTopic> topics =
        Arrays.stream(names)
            .distinct()
            .map(name -> new NewTopic(name, 1, (short) 1).configs(Topics.config(name)))
            .toList();
    var results = broker.admin.createTopics(topics).values();
    for (var result : results.entrySet()) {
      try {
        result.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("Cannot create topic " + result.getKey(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException("Timed out creating topic " + result.getKey(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted creating topic " + result.getKey(), e);
      }
    }
  }

  private static KafkaBroker instance() {
    KafkaBroker broker = instance;
    if (broker == null) {
      synchronized (KafkaBroker.class) {
        broker = instance;
        if (broker == null) {
          broker = start();
          instance = broker;
        }
      }
    }
    return broker;
  }

  private static KafkaBroker start() {
    QuietLogging.warnOnly("kafka", "org.apache.kafka", "state.change.logger");
    long started = System.nanoTime();
    Path baseDirectory = TestDirectories.newJvmDirectory("kafka", "kraft");
    KafkaClusterTestKit cluster = null;
    try {
      TestKitNodes nodes =
          new TestKitNodes.Builder()
              .setCombined(true)
              .setNumBrokerNodes(1)
              .setNumControllerNodes(1)
              .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
              .setBaseDirectory(baseDirectory)
              .build();
      cluster =
          new KafkaClusterTestKit.Builder(nodes)
              .setConfigProp("auto.create.topics.enable", "true")
              .setConfigProp("num.partitions", "1")
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("offsets.topic.num.partitions", "1")
              .setConfigProp("transaction.state.log.replication.factor", "1")
              .setConfigProp("transaction.state.log.min.isr", "1")
              .setConfigProp("transaction.state.log.num.partitions", "1")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              // The test kit turns these on; a production broker has them off.
              .setConfigProp("unstable.api.versions.enable", "false")
              .setConfigProp("unstable.feature.versions.enable", "false")
              // Few threads: test machines have two cores.
              .setConfigProp("num.network.threads", "2")
              .setConfigProp("num.io.threads", "2")
              .setConfigProp("background.threads", "2")
              .setConfigProp("num.recovery.threads.per.data.dir", "1")
              .setConfigProp("log.cleaner.threads", "1")
              .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      KafkaBroker broker = new KafkaBroker(cluster);
      Runtime.getRuntime().addShutdownHook(new Thread(broker::stop, "rotor-kafka-broker-stop"));
      LOG.infof(
          "Kafka broker ready at %s in %d ms (log dirs %s)",
          broker.bootstrapServers,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          baseDirectory);
      return broker;
    } catch (Exception e) {
      if (cluster != null) {
        closeQuietly(cluster);
      }
      TestDirectories.deleteRecursively(baseDirectory);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("Cannot start the Kafka broker in " + baseDirectory, e);
    }
  }

  private void stop() {
    admin.close(Duration.ofSeconds(5));
    closeQuietly(cluster);
  }

  private static void closeQuietly(KafkaClusterTestKit cluster) {
    try {
      cluster.close();
    } catch (Exception e) {
      LOG.warn("Kafka broker did not stop cleanly", e);
    }
  }
}
