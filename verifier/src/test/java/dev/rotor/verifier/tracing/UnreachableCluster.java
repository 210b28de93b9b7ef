package dev.rotor.verifier.tracing;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.tracing.TracingOn;
import dev.rotor.verifier.Rotation;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The cheapest soak with a verdict: a stage on a cluster the verifier is not configured for, which
 * its first round finds inconclusive. No Prometheus and no workload are needed, yet the verdict is
 * decided by a round on the soak timer from the stored soak, as after a restart.
 */
final class UnreachableCluster {
  static final String CLUSTER = "unconfigured";
  static final Duration TIMEOUT = Duration.ofSeconds(45);

  private UnreachableCluster() {}

  /** A rotation with one short stage on {@link #CLUSTER}. */
  static Rotation rotation(String name) {
    try (GeneratedKey key = GeneratedKey.generate()) {
      return Rotation.of(
          name,
          name + "-config",
          key.fingerprint(),
          "0123abcd",
          Rotation.QUICK,
          Rotation.stage(CLUSTER, Duration.ofSeconds(2), Rotation.everySecond(3), "app"));
    }
  }

  /** The verifier's records of {@code rotationId}, once its verdict is among them. */
  static List<ConsumerRecord<byte[], byte[]>> awaitVerdict(
      KafkaTestClient kafka, String rotationId) {
    return kafka
        .readUntil(
            Topics.VERIFICATIONS,
            read ->
                read.stream()
                    .map(KafkaEvents::fromRecord)
                    .anyMatch(
                        e ->
                            rotationId.equals(e.rotationId())
                                && e.type() == EventType.VERIFICATION_INCONCLUSIVE),
            TIMEOUT)
        .stream()
        .filter(r -> rotationId.equals(KafkaEvents.fromRecord(r).rotationId()))
        .toList();
  }

  static EventEnvelope decode(ConsumerRecord<byte[], byte[]> record) {
    return KafkaEvents.fromRecord(record);
  }

  /** The verifier needs a Prometheus URL to start; the unconfigured cluster never reads it. */
  private static Map<String, String> noPrometheus() {
    return Map.of("rotor.verifier.prometheus.url", "http://127.0.0.1:9");
  }

  /** The default configuration: tracing off. */
  public static class Default implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return noPrometheus();
    }
  }

  /** Tracing on. */
  public static class Traced implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> config = new HashMap<>(new TracingOn().getConfigOverrides());
      config.putAll(noPrometheus());
      return config;
    }
  }
}
