package dev.rotor.devstack.infra;

import dev.rotor.devstack.process.Jvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * One Kafka node in KRaft mode (broker and controller) on 127.0.0.1, sized for a developer machine:
 * its {@code server.properties} and the commands that format its storage and run it, shared by the
 * devstack and the benchmarks.
 */
public final class KafkaNode {
  private static final Map<String, String> JVM =
      Map.of("java.util.logging.manager", "org.jboss.logmanager.LogManager");

  private KafkaNode() {}

  /**
   * Writes {@code <dir>/server.properties} (data in {@code <dir>/data}) and returns its path.
   *
   * @param partitions partitions of a topic created without a count
   */
  public static Path writeProperties(Path dir, int port, int controllerPort, int partitions)
      throws IOException {
    Path properties = dir.resolve("server.properties");
    Files.createDirectories(dir);
    Files.writeString(
        properties,
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs=" + dir.resolve("data").toAbsolutePath(),
            "num.partitions=" + partitions,
            "auto.create.topics.enable=true",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "num.network.threads=2",
            "num.io.threads=2",
            "background.threads=2",
            "num.recovery.threads.per.data.dir=1",
            "log.cleaner.threads=1",
            ""),
        StandardCharsets.UTF_8);
    return properties;
  }

  /** The command that formats the node's storage with a new cluster id. */
  public static List<String> formatCommand(Path properties) {
    return Jvm.main(
        "256m",
        JVM,
        "kafka.tools.StorageTool",
        List.of(
            "format",
            "-t",
            Uuid.randomUuid().toString(),
            "-c",
            properties.toAbsolutePath().toString()));
  }

  /** The command that runs the node. */
  public static List<String> runCommand(Path properties) {
    return Jvm.main("768m", JVM, "kafka.Kafka", List.of(properties.toAbsolutePath().toString()));
  }
}
