package dev.rotor.keygen.packaged;

import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.awaitRejection;
import static dev.rotor.keygen.support.RotorEvents.causedId;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.SealedKey;
import dev.rotor.common.event.Topics;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresServer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged key-generator with the repository's example policy (deploy/policy), as an operator
 * would run it: a request from a plain KafkaProducer gets its key; after a restart the rotation is
 * still in flight; and an instance that replays rotor.requests from the beginning (a new consumer
 * group) changes nothing.
 */
class ExamplePolicyIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final String TARGET = "aether-services/secrets-service-config";
  private static final Path POLICY =
      Paths.get(
          System.getProperty("rotor.test.example-policy", "../deploy/policy/rotor-policy.yaml"));

  private static String database;
  private static KafkaTestClient kafka;

  @BeforeAll
  static void infrastructure() {
    KafkaBroker.createTopics(RotorEvents.ALL_TOPICS.split(","));
    database = PostgresServer.createDatabase();
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void cleanUp() {
    kafka.close();
    PostgresServer.dropDatabase(database);
  }

  @Test
  void aPlainProducersRequestGetsAKeyTheGuardSurvivesARestartAndAReplayChangesNothing()
      throws Exception {
    EventEnvelope first = request(newRotationId(), TARGET);
    KeyGenerated key;
    try (KeyGeneratorProcess app = KeyGeneratorProcess.start("example-1", settings(Map.of()))) {
      Duration ready = app.awaitReady(START_TIMEOUT);
      System.out.printf("packaged key-generator ready in %d ms%n", ready.toMillis());
      send(first);

      key = awaitKey(kafka, first);

      Policy policy = PolicyLoader.load(POLICY);
      assertThat(key.plan()).isEqualTo(policy.target(TARGET).orElseThrow().plan());
      assertThat(key.sealed())
          .extracting(SealedKey::recipient)
          .containsExactly("aether-staging", "aether-production");
      assertThat(key.escrow().recipients())
          .containsExactly("age1z0x8454k8ksm7j9kh3t2uk0lvxdqxtpa769gfzkufunex3tl7f9s62ayjs");
      assertThat(app.body("/q/metrics")).contains("rotor_key_generator_keys_generated_total 1.0");
    }

    EventEnvelope second = request(newRotationId(), TARGET, "bob", "again", List.of());
    try (KeyGeneratorProcess app = KeyGeneratorProcess.start("example-2", settings(Map.of()))) {
      app.awaitReady(START_TIMEOUT);
      send(second);

      RotationRejected rejection = awaitRejection(kafka, second);

      assertThat(rejection.reason()).isEqualTo(Rejection.IN_FLIGHT);
      assertThat(rejection.inFlightRotationId()).isEqualTo(key.rotationId());
    }

    Map<String, String> replay =
        Map.of("mp.messaging.incoming.requests.group.id", "rotor-key-generator-replay");
    try (KeyGeneratorProcess app = KeyGeneratorProcess.start("example-replay", settings(replay))) {
      app.awaitReady(START_TIMEOUT);
      await()
          .atMost(RotorEvents.TIMEOUT)
          .until(
              () -> app.body("/q/metrics").contains("rotor_key_generator_redeliveries_total 2.0"));
    }
    assertThat(RotorEvents.answers(kafka, first))
        .extracting(EventEnvelope::id)
        .containsExactly(causedId(first, EventType.KEY_GENERATED));
    assertThat(RotorEvents.answers(kafka, second))
        .extracting(EventEnvelope::id)
        .containsExactly(causedId(second, EventType.ROTATION_REJECTED));
    assertThat(RotorEvents.events(kafka, Topics.KEYS, e -> e.data() instanceof KeyGenerated))
        .hasSize(1);
  }

  /** Sends as any client would: a plain KafkaProducer, the CloudEvents attributes in headers. */
  private static void send(EventEnvelope request) throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(KafkaEvents.toRecord(request, Topics.REQUESTS)).get(30, TimeUnit.SECONDS);
    }
  }

  private static Map<String, String> settings(Map<String, String> extra) {
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("rotor.key-generator.policy-file", POLICY.toAbsolutePath().toString());
    settings.put("kafka.bootstrap.servers", KafkaBroker.bootstrapServers());
    settings.put("quarkus.datasource.jdbc.url", PostgresServer.jdbcUrl(database));
    settings.put("quarkus.datasource.username", PostgresServer.username());
    settings.put("quarkus.datasource.password", PostgresServer.password());
    return settings;
  }
}
