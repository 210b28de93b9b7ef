package dev.rotor.verifier;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Evidence;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Topics;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.event.VerificationInconclusive;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.RolloutSimulator;
import dev.rotor.verifier.store.RotationRecord;
import dev.rotor.verifier.store.SoakKind;
import dev.rotor.verifier.store.SoakRecord;
import dev.rotor.verifier.store.SoakStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * What the verifier's tests do to the world around it: send the other services' events, play the
 * cluster (Secrets, restarts, pod addresses) on the Kubernetes mock, and read what the verifier
 * sent, its database and its log.
 */
final class Rig implements AutoCloseable {
  static final String NS = Fleet.NAMESPACE;
  static final Duration VERDICT_TIMEOUT = Duration.ofSeconds(90);
  static final String SELF_TEST =
      "SECRETS-0002 encryption self-test passed, primary key id %s, decrypt-only ids [%s]";

  final KafkaTestClient kafka = new KafkaTestClient();
  private final TopicReader verifications = new TopicReader(Topics.VERIFICATIONS);
  private final KubernetesApiServer api;
  final KubernetesClient client;

  Rig(KubernetesApiServer api) {
    this.api = api;
    this.client = api.client();
  }

  // ---- the cluster

  /** Creates a Deployment whose pods will log {@code lines}, with its pods running. */
  void deployment(String name, int replicas, List<String> lines) {
    api.rollouts().logLines(NS, name, lines);
    api.rollouts().createDeployment(NS, name, replicas);
  }

  /** Creates or replaces Secret {@code name} holding a keyring. */
  void secret(String name, GeneratedKey primary, GeneratedKey... keys) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(
        KeyringLayout.PRIMARY_DATA_KEY,
        Base64.getEncoder().encodeToString(primary.keyId().getBytes(UTF_8)));
    for (GeneratedKey key : keys) {
      data.put(KeyringLayout.dataKeyOf(key.keyId()), key.revealBase64());
    }
    client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withType("Opaque")
                .withData(data)
                .build())
        .createOr(existing -> existing.update());
  }

  /** Restarts a Deployment (kubectl rollout restart) and waits for the simulator's new pods. */
  List<PodStatus> restart(String deployment) {
    int before = api.rollouts().rolloutCount(NS, deployment);
    client.apps().deployments().inNamespace(NS).withName(deployment).rolling().restart();
    RolloutSimulator.Rollout rollout =
        org.awaitility.Awaitility.await("rollout of " + deployment)
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  List<RolloutSimulator.Rollout> all = api.rollouts().rollouts(NS, deployment);
                  return all.size() > before ? all.get(all.size() - 1) : null;
                },
                r -> r != null && r.completedAt() != null);
    List<PodStatus> pods = new ArrayList<>();
    for (String name : rollout.pods()) {
      Pod pod = client.pods().inNamespace(NS).withName(name).get();
      pods.add(new PodStatus(deployment, name, Instant.parse(pod.getStatus().getStartTime())));
    }
    return pods;
  }

  /**
   * Gives a Deployment's pods what a kubelet and a CNI would: an IP, and the metrics endpoint of
   * the process that plays each pod ({@code prometheus.io/port}, {@code prometheus.io/path}), in
   * turn from {@code endpoints} ({@code "<port> <path>"}).
   */
  void bind(String deployment, List<String> endpoints) {
    List<Pod> pods =
        client.pods().inNamespace(NS).withLabel("app", deployment).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .toList();
    for (int i = 0; i < pods.size(); i++) {
      String[] endpoint = endpoints.get(i % endpoints.size()).split(" ");
      client
          .pods()
          .inNamespace(NS)
          .resource(
              new PodBuilder(pods.get(i))
                  .editMetadata()
                  .addToAnnotations("prometheus.io/port", endpoint[0])
                  .addToAnnotations("prometheus.io/path", endpoint[1])
                  .endMetadata()
                  .editStatus()
                  .withPodIP("127.0.0.1")
                  .endStatus()
                  .build())
          .update();
    }
  }

  // ---- Kafka

  void send(EventEnvelope event) {
    kafka.produce(
        event.type().topics().get(0),
        event.subject(),
        CloudEventBinding.headers(event),
        EventCodec.encode(event.data()));
  }

  /** What the verifier sent about {@code rotation} so far, in order. */
  List<EventEnvelope> events(Rotation rotation) {
    return verifications.read().stream()
        .filter(event -> rotation.id().equals(event.rotationId()))
        .toList();
  }

  Optional<EventEnvelope> first(Rotation rotation, EventType type) {
    return events(rotation).stream().filter(e -> e.type() == type).findFirst();
  }

  /** Waits for the first {@code type} of {@code rotation}. */
  EventEnvelope await(Rotation rotation, EventType type) {
    return org.awaitility.Awaitility.await(type.eventName() + " of " + rotation.id())
        .atMost(VERDICT_TIMEOUT)
        .until(() -> first(rotation, type), Optional::isPresent)
        .orElseThrow();
  }

  /** The only {@code type} of {@code rotation}, once there is one. */
  EventEnvelope only(Rotation rotation, EventType type) {
    await(rotation, type);
    List<EventEnvelope> found = events(rotation).stream().filter(e -> e.type() == type).toList();
    assertThat(found).as("%s of %s", type.eventName(), rotation.id()).hasSize(1);
    return found.get(0);
  }

  /** The verdict of {@code rotation}'s stage on {@code cluster}, once there is one. */
  EventEnvelope verdict(Rotation rotation, String cluster) {
    return org.awaitility.Awaitility.await("verdict of " + rotation.id() + " on " + cluster)
        .atMost(VERDICT_TIMEOUT)
        .until(
            () -> events(rotation).stream().filter(e -> isVerdictOn(e, cluster)).findFirst(),
            Optional::isPresent)
        .orElseThrow();
  }

  VerificationFailed failed(Rotation rotation, String cluster) {
    EventEnvelope verdict = verdict(rotation, cluster);
    assertThat(verdict.data())
        .as("verdict of %s", rotation.id())
        .isInstanceOf(VerificationFailed.class);
    return (VerificationFailed) verdict.data();
  }

  static boolean isVerdictOn(EventEnvelope e, String cluster) {
    return (e.data() instanceof VerificationPassed p && p.cluster().equals(cluster))
        || (e.data() instanceof VerificationFailed f && f.cluster().equals(cluster))
        || (e.data() instanceof VerificationInconclusive i && i.cluster().equals(cluster));
  }

  static String outcome(EventEnvelope verdict) {
    if (verdict.data() instanceof VerificationFailed failed) {
      return "failed " + failed.reason();
    }
    return verdict.data() instanceof VerificationPassed ? "passed" : "inconclusive";
  }

  static Evidence evidence(List<Evidence> evidence, String check) {
    return evidence.stream()
        .filter(e -> e.check().equals(check))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no evidence " + check + " in " + evidence));
  }

  /** How many checks breached, from an evidence entry's detail. */
  static int breaching(Evidence evidence) {
    Matcher matcher = Pattern.compile("(\\d+) breaching").matcher(evidence.detail());
    assertThat(matcher.find()).as(evidence.detail()).isTrue();
    return Integer.parseInt(matcher.group(1));
  }

  // ---- the verifier's state

  SoakStatus soakStatus(Rotation rotation, SoakKind kind) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                SoakRecord.<SoakRecord>find("rotationId = ?1 and kind = ?2", rotation.id(), kind)
                    .firstResultOptional()
                    .map(s -> s.status)
                    .orElse(null));
  }

  /** Whether the verifier processed the event {@code eventId}. */
  boolean processed(String eventId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> dev.rotor.verifier.store.ProcessedEvent.findById(eventId) != null);
  }

  /** The rollback commit the verifier holds for {@code rotation}, if it has one. */
  String rollbackCommitOf(Rotation rotation) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              RotationRecord record = RotationRecord.findById(rotation.id());
              return record == null ? null : record.rollbackCommit;
            });
  }

  /**
   * Everything the verifier wrote where a key must never be: its topic and the dead-letter topic
   * (values and headers), every row of its database, its log.
   */
  String everythingWritten() throws Exception {
    StringBuilder seen = new StringBuilder();
    for (String topic : List.of(Topics.VERIFICATIONS, Topics.DLQ)) {
      for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
        seen.append(KafkaTestClient.valueText(record)).append('\n');
        for (Header header : record.headers()) {
          seen.append(new String(header.value(), UTF_8)).append('\n');
        }
      }
    }
    var config = ConfigProvider.getConfig();
    try (Connection connection =
            DriverManager.getConnection(
                config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
        Statement statement = connection.createStatement()) {
      for (String query :
          List.of(
              "SELECT t::text FROM rotation t",
              "SELECT t::text FROM rollout_start t",
              "SELECT t::text FROM rollout_completion t",
              "SELECT t::text FROM soak t",
              "SELECT t::text FROM verdict t",
              "SELECT t::text FROM processed_event t",
              "SELECT t::text FROM outbox t",
              "SELECT convert_from(data, 'UTF8') FROM outbox")) {
        try (ResultSet rows = statement.executeQuery(query)) {
          while (rows.next()) {
            seen.append(rows.getString(1)).append('\n');
          }
        }
      }
    }
    seen.append(Files.readString(Path.of(System.getProperty("quarkus.log.file.path")), UTF_8));
    return seen.toString();
  }

  /** The forms a key could leak in: its base64 text, hex and unpadded URL-safe base64. */
  static List<String> forms(GeneratedKey... keys) {
    List<String> forms = new ArrayList<>();
    for (GeneratedKey key : keys) {
      forms.add(key.revealBase64());
      byte[] raw = key.copyRaw();
      forms.add(HexFormat.of().formatHex(raw));
      forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
    }
    return forms;
  }

  @Override
  public void close() {
    kafka.close();
    verifications.close();
  }
}
