package dev.rotor.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Topics;
import dev.rotor.devstack.HostileCorpus.Hostile;
import dev.rotor.devstack.HostileCorpus.Semantic;
import dev.rotor.devstack.infra.ReadyFile;
import dev.rotor.devstack.process.Console;
import dev.rotor.devstack.scenario.ClusterView;
import dev.rotor.devstack.scenario.EventFollower;
import dev.rotor.devstack.scenario.Outcome;
import dev.rotor.devstack.scenario.RotorctlRunner;
import dev.rotor.devstack.scenario.Scenarios;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;

/**
 * The hostile corpus ({@link HostileCorpus}) fed to every topic every service of a running devstack
 * consumes: each malformed record lands in rotor.dlq once per consumer group of its topic with a
 * reason naming the problem; each well-formed but wrong event is refused with its documented event
 * or ignored; no service crashes, stalls or logs the hostile characters raw; no state changes (Git,
 * Secrets, key-generator's rotations, the ledger only grows by the well-formed events); then a
 * normal rotation completes and the leak scan finds no key anywhere. See docs/hostile-input.md.
 *
 * <p>{@code -Drotor.test.devstack-home=<dir>} runs it against a devstack already running from that
 * folder instead of starting one (to iterate on the corpus).
 */
class HostileInputIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  /**
   * Not DevstackDemoIT's (400) nor CtrlCStopsEverythingIT's (300), and no port in common with them
   * when run side by side: two offsets collide when they differ by the difference of two of the
   * devstack's ports (1400 and 400 do: Kafka's controller 9093 + 400 is the production agent's 8093
   * + 1400).
   */
  private static final int PORT_OFFSET = Integer.getInteger("rotor.test.hostile.port-offset", 1450);

  private static final Duration SOAK = Duration.ofSeconds(10);

  private Path home;
  private String kafka;
  private URI ledger;
  private int offset;
  private Map<String, String> clusterApis;

  @Test
  void hostileRecordsAreDeadLetteredOrRefusedAndChangeNothingThenARotationCompletesLeakFree()
      throws Exception {
    String attach = System.getProperty("rotor.test.devstack-home");
    DevstackProcess devstack = null;
    long begin = System.nanoTime();
    try {
      if (attach == null) {
        devstack =
            DevstackProcess.start(
                "it-hostile",
                PORT_OFFSET,
                "--scenarios",
                "none",
                "--soak",
                SOAK.toString(),
                "--interval",
                "PT2S",
                "--replicas",
                "1");
        devstack.awaitLine("The devstack keeps running", Duration.ofMinutes(10));
        home = devstack.home();
      } else {
        home = Path.of(attach).toAbsolutePath();
      }
      long started = System.nanoTime();
      readEndpoints();
      run();
      long finished = System.nanoTime();
      System.out.printf(
          "[HostileInputIT] devstack start %.1f s; corpus, checks, rotation and scan %.1f s%n",
          (started - begin) / 1e9, (finished - started) / 1e9);
    } finally {
      if (devstack != null) {
        devstack.close();
      }
    }
  }

  private void run() throws Exception {
    List<Hostile> corpus = HostileCorpus.malformed();
    List<Semantic> semantic = HostileCorpus.semantic();
    Map<String, Set<String>> groups = consumerGroupsByTopic();
    assertThat(groups.keySet())
        .as("every event topic has consumers")
        .containsAll(HostileCorpus.TEMPLATES.keySet());

    State before = state();
    long dlqStart = endOffset(Topics.DLQ);

    // Feed the corpus.
    long feedStart = System.nanoTime();
    Map<String, Hostile> sent = new LinkedHashMap<>();
    Set<String> hostileIds = new TreeSet<>();
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (Hostile hostile : corpus) {
        long at =
            send(producer, hostile.topic(), hostile.key(), hostile.headers(), hostile.value());
        sent.put(hostile.topic() + "@" + at, hostile);
        headerValues(hostile.headers(), "ce_id").forEach(hostileIds::add);
      }
      for (Semantic s : semantic) {
        send(producer, s.topic(), s.rotationId(), s.headers(), s.value());
      }
    }
    System.out.printf(
        "[HostileInputIT] corpus: %d malformed records on %d topics, %d well-formed wrong events%n",
        corpus.size(), HostileCorpus.TEMPLATES.size(), semantic.size());

    // Every malformed record is dead-lettered by every consumer group of its topic.
    Map<String, List<ConsumerRecord<byte[], byte[]>>> dead = new HashMap<>();
    try {
      await("every consumer group to dead-letter every malformed record")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () -> {
                dead.clear();
                dead.putAll(deadLetters(dlqStart));
                return sent.entrySet().stream()
                    .allMatch(
                        e ->
                            dead.getOrDefault(e.getKey(), List.of()).size()
                                >= groups.get(e.getValue().topic()).size());
              });
    } catch (ConditionTimeoutException e) {
      // The checks below say which records were not dead-lettered, and by whom.
    }
    double deadLettered = (System.nanoTime() - feedStart) / 1e9;

    // The well-formed events get their documented answers.
    for (Semantic s : semantic) {
      if (s.answer() != null) {
        String topic = s.answer().topics().get(0);
        await(s.name() + ": " + s.answer().eventName())
            .atMost(Duration.ofMinutes(1))
            .until(() -> answer(topic, s.rotationId(), s.answer()) != null);
        JsonNode answer = answer(topic, s.rotationId(), s.answer());
        assertThat(answer.path("reason").asText()).as(s.name()).isEqualTo(s.answerReason());
        assertThat(answer.path("message").asText())
            .as("%s: the refusal does not repeat the hostile characters", s.name())
            .doesNotContain(HostileCorpus.FORGED_LINE)
            .satisfies(
                m ->
                    assertThat(m.chars().filter(ch -> HostileCorpus.LOG_INJECTION.indexOf(ch) >= 0))
                        .isEmpty());
      }
    }
    // Quiet period: whatever a service would still do about the corpus, it does now.
    Thread.sleep(10_000);
    List<String> semanticIds = semantic.stream().map(Semantic::eventId).toList();
    await("the ledger to record the well-formed events")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                state().ledger.stream()
                    .map(LedgerEntry::eventId)
                    .toList()
                    .containsAll(semanticIds));
    Map<String, List<ConsumerRecord<byte[], byte[]>>> finalDead = deadLetters(dlqStart);

    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Hostile> e : sent.entrySet()) {
      Hostile hostile = e.getValue();
      List<ConsumerRecord<byte[], byte[]>> records = finalDead.getOrDefault(e.getKey(), List.of());
      int expected = groups.get(hostile.topic()).size();
      if (records.size() != expected) {
        problems.add(
            hostile.label() + ": dead-lettered " + records.size() + " times, not " + expected);
      }
      for (ConsumerRecord<byte[], byte[]> record : records) {
        String reason = header(record, "dead-letter-reason");
        if (reason == null || hostile.reasons().stream().noneMatch(reason::startsWith)) {
          problems.add(
              hostile.label()
                  + ": reason '"
                  + HostileCorpus.printable(String.valueOf(reason))
                  + "', expected "
                  + hostile.reasons());
        } else if (reason.contains("../")
            || reason.contains("FORGED-BY-HOSTILE")
            || reason.chars().anyMatch(ch -> HostileCorpus.LOG_INJECTION.indexOf(ch) >= 0)) {
          problems.add(hostile.label() + ": the reason repeats the hostile value");
        }
      }
      for (String group : groups.get(hostile.topic())) {
        String log = logOf(group);
        String line =
            "ROTOR-0001 record "
                + e.getKey().replace("@", "-0@")
                + " goes to the dead-letter topic";
        if (!logText(log).contains(line)) {
          problems.add(hostile.label() + ": " + log + " has no '" + line + "'");
        }
      }
    }
    for (Semantic s : semantic) {
      for (List<ConsumerRecord<byte[], byte[]>> records : finalDead.values()) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
          if (s.eventId().equals(header(record, "ce_id"))) {
            problems.add(
                s.name() + ": dead-lettered (" + header(record, "dead-letter-reason") + ")");
          }
        }
      }
    }
    assertThat(problems).as("the corpus' outcomes").isEmpty();

    // No state changed, but for what the well-formed events legitimately caused.
    State after = state();
    assertThat(after.gitRefs).as("refs of every Git repository").isEqualTo(before.gitRefs);
    assertThat(after.secrets).as("every Secret of both clusters").isEqualTo(before.secrets);
    Set<String> semanticRotations = new TreeSet<>();
    semantic.forEach(s -> semanticRotations.add(s.rotationId()));
    Map<String, String> newRotations = new TreeMap<>(after.keyGeneratorRotations);
    before.keyGeneratorRotations.keySet().forEach(newRotations::remove);
    assertThat(after.keyGeneratorRotations)
        .as("key-generator's rotations: nothing changed")
        .containsAllEntriesOf(before.keyGeneratorRotations);
    assertThat(newRotations)
        .as("key-generator's new rotations: only the rejected requests")
        .allSatisfy(
            (id, status) -> {
              assertThat(semanticRotations).contains(id);
              assertThat(status).isEqualTo("REJECTED");
            });
    assertThat(after.ledger.subList(0, before.ledger.size()))
        .as("the ledger only grew")
        .isEqualTo(before.ledger);
    List<LedgerEntry> added = after.ledger.subList(before.ledger.size(), after.ledger.size());
    assertThat(added)
        .as("the ledger recorded only the well-formed events, their answers and checkpoints")
        .allSatisfy(
            entry -> {
              assertThat(hostileIds).doesNotContain(entry.eventId());
              if (!entry.type().equals(EventType.LEDGER_CHECKPOINT.cloudEventType())) {
                assertThat(semanticRotations).contains(entry.rotationId());
              }
            });
    assertThat(added.stream().map(LedgerEntry::eventId).toList())
        .as("every well-formed event is in the ledger")
        .containsAll(semantic.stream().map(Semantic::eventId).toList());

    // Every service is healthy, and logged nothing hostile raw.
    for (int port : List.of(8081, 8082, 8083, 8093, 8084, 8085, 8086)) {
      URI ready = URI.create("http://127.0.0.1:" + (port + offset) + "/q/health/ready");
      assertThat(status(ready)).as(ready.toString()).isEqualTo(200);
    }
    assertNoLogInjection();
    System.out.printf(
        "[HostileInputIT] %d malformed records dead-lettered %d times in %.1f s; %d well-formed"
            + " events answered; ledger +%d entries; state unchanged%n",
        sent.size(),
        finalDead.values().stream().mapToInt(List::size).sum(),
        deadLettered,
        semantic.size(),
        added.size());

    // Still working: a normal rotation to completion.
    long rotationStart = System.nanoTime();
    Outcome outcome = rotate();
    assertThat(outcome.ok()).as(outcome.checks().toString()).isTrue();
    System.out.printf(
        "[HostileInputIT] rotation %s completed in %.1f s after the corpus%n",
        outcome.rotationId(), (System.nanoTime() - rotationStart) / 1e9);

    // And no key of any rotation anywhere it must not be.
    Process scan =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Drotor.root=" + DevstackProcess.ROOT,
                "-Drotor.devstack.home=" + home,
                "-jar",
                DevstackProcess.JAR.toAbsolutePath().toString(),
                "scan")
            .redirectErrorStream(true)
            .start();
    String output = new String(scan.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(scan.waitFor(5, TimeUnit.MINUTES)).isTrue();
    System.out.println(output);
    assertThat(scan.exitValue()).as(output).isZero();
    assertThat(output).contains("clean: no key in any of it");
  }

  // ------------------------------------------------------------------------------ the devstack

  private void readEndpoints() throws IOException {
    Properties env = new Properties();
    for (String line : Files.readAllLines(home.resolve("env"))) {
      if (line.startsWith("export ")) {
        String[] kv = line.substring(7).split("=", 2);
        env.put(kv[0], kv[1]);
      }
    }
    kafka = env.getProperty("ROTOR_KAFKA");
    ledger = URI.create(env.getProperty("ROTOR_LEDGER_URL"));
    offset = Integer.parseInt(kafka.substring(kafka.indexOf(':') + 1)) - 9092;
    clusterApis = new LinkedHashMap<>();
    for (JsonNode cluster :
        new YAMLMapper().readTree(home.resolve("kubeconfig").toFile()).path("clusters")) {
      clusterApis.put(
          cluster.path("name").asText(), cluster.path("cluster").path("server").asText());
    }
  }

  private Outcome rotate() {
    Layout layout =
        new Layout(
            DevstackProcess.ROOT, System.getProperty("rotor.test.services-target", "target"), home);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ROTOR_KAFKA", kafka);
    env.put("ROTOR_LEDGER_URL", ledger.toString());
    RotorctlRunner rotorctl =
        new RotorctlRunner(
            layout.rotorctl(), env, layout.logs().resolve("rotorctl-hostile.log"), (n, p) -> {});
    List<ClusterView> clusters = new ArrayList<>();
    for (Map.Entry<String, String> cluster : clusterApis.entrySet()) {
      int control =
          ReadyFile.read(layout.readyFile("cluster-" + cluster.getKey()))
              .orElseThrow()
              .path("controlPort")
              .asInt();
      clusters.add(new ClusterView(cluster.getKey(), cluster.getValue(), control));
    }
    try (EventFollower events = new EventFollower(kafka)) {
      Scenarios scenarios =
          new Scenarios(
              new Scenarios.Context(
                  Seed.NAMESPACE + "/" + Seed.SECRET,
                  Seed.NAMESPACE,
                  Seed.SECRET,
                  Services.REQUESTER,
                  Services.APPROVER,
                  clusters,
                  Services.PRODUCTION,
                  rotorctl,
                  events,
                  ledger,
                  SOAK,
                  new Console(System.out),
                  () -> false));
      scenarios.awaitTraffic();
      return scenarios.healthy();
    } finally {
      clusters.forEach(ClusterView::close);
    }
  }

  // ------------------------------------------------------------------------------------ state

  private record LedgerEntry(
      long leafIndex, String eventId, String type, String rotationId, String chainHash) {}

  private static final class State {
    Map<String, String> gitRefs = new TreeMap<>();
    Map<String, String> secrets = new TreeMap<>();
    Map<String, String> keyGeneratorRotations = new TreeMap<>();
    List<LedgerEntry> ledger = new ArrayList<>();
  }

  private State state() throws Exception {
    State state = new State();
    try (Stream<Path> walk = Files.walk(home.resolve("git"), 4)) {
      for (Path dir :
          walk.filter(
                  d ->
                      Files.isDirectory(d.resolve("objects"))
                          && Files.isRegularFile(d.resolve("HEAD")))
              .toList()) {
        try (Repository repository = new FileRepositoryBuilder().setGitDir(dir.toFile()).build()) {
          for (Ref ref : repository.getRefDatabase().getRefs()) {
            state.gitRefs.put(
                home.relativize(dir) + " " + ref.getName(), String.valueOf(ref.getObjectId()));
          }
        }
      }
    }
    assertThat(state.gitRefs).as("the devstack's Git server has refs").isNotEmpty();
    for (Map.Entry<String, String> cluster : clusterApis.entrySet()) {
      try (KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(new ConfigBuilder().withMasterUrl(cluster.getValue()).build())
              .build()) {
        for (Secret secret : client.secrets().inAnyNamespace().list().getItems()) {
          state.secrets.put(
              cluster.getKey()
                  + " "
                  + secret.getMetadata().getNamespace()
                  + "/"
                  + secret.getMetadata().getName(),
              secret.getMetadata().getResourceVersion()
                  + " "
                  + Integer.toHexString(String.valueOf(secret.getData()).hashCode()));
        }
      }
    }
    assertThat(state.secrets).as("the clusters' Secrets").isNotEmpty();
    int postgres =
        ReadyFile.read(home.resolve("run/postgres.ready.json")).orElseThrow().path("port").asInt();
    try (Connection connection =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + postgres + "/key_generator",
                "postgres",
                "postgres");
        Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT rotation_id, target_id, status FROM rotation")) {
      while (rows.next()) {
        state.keyGeneratorRotations.put(rows.getString(1), rows.getString(3));
      }
    }
    HttpResponse<String> export =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(ledger + "/ledger/export/entries?from=0&limit=5000"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(export.statusCode()).isEqualTo(200);
    for (String line : export.body().lines().filter(l -> !l.isBlank()).toList()) {
      JsonNode entry = JSON.readTree(line);
      JsonNode canonical =
          JSON.readTree(Base64.getDecoder().decode(entry.path("canonical").asText()));
      state.ledger.add(
          new LedgerEntry(
              entry.path("leafIndex").asLong(),
              entry.path("eventId").asText(),
              canonical.path("type").asText(),
              canonical.path("rotationid").asText(null),
              entry.path("chainHash").asText()));
    }
    return state;
  }

  // ------------------------------------------------------------------------------------ Kafka

  private Map<String, Set<String>> consumerGroupsByTopic() throws Exception {
    Map<String, Set<String>> byTopic = new TreeMap<>();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
      List<String> names =
          admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream()
              .map(g -> g.groupId())
              .filter(g -> g.startsWith("rotor-"))
              .toList();
      for (ConsumerGroupDescription group :
          admin.describeConsumerGroups(names).all().get(30, TimeUnit.SECONDS).values()) {
        for (MemberDescription member : group.members()) {
          for (TopicPartition partition : member.assignment().topicPartitions()) {
            byTopic.computeIfAbsent(partition.topic(), t -> new TreeSet<>()).add(group.groupId());
          }
        }
      }
    }
    System.out.println("[HostileInputIT] consumer groups by topic: " + byTopic);
    return byTopic;
  }

  private KafkaProducer<String, byte[]> producer() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    // As large as an event topic takes: the corpus holds a record at that limit.
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.EVENT_MAX_MESSAGE_BYTES);
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  private static long send(
      KafkaProducer<String, byte[]> producer,
      String topic,
      String key,
      List<Header> headers,
      byte[] value)
      throws Exception {
    return producer
        .send(new ProducerRecord<>(topic, null, key, value, headers))
        .get(30, TimeUnit.SECONDS)
        .offset();
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private long endOffset(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      TopicPartition partition = new TopicPartition(topic, 0);
      return consumer.endOffsets(List.of(partition)).get(partition);
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> read(String topic, long from) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seek(partition, from);
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      while (consumer.position(partition) < end) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    return records;
  }

  /** Dead letters since {@code from}, by {@code <original topic>@<original offset>}. */
  private Map<String, List<ConsumerRecord<byte[], byte[]>>> deadLetters(long from) {
    Map<String, List<ConsumerRecord<byte[], byte[]>>> byOrigin = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : read(Topics.DLQ, from)) {
      byOrigin
          .computeIfAbsent(
              header(record, "dead-letter-topic") + "@" + header(record, "dead-letter-offset"),
              k -> new ArrayList<>())
          .add(record);
    }
    return byOrigin;
  }

  private JsonNode answer(String topic, String rotationId, EventType type) throws IOException {
    for (ConsumerRecord<byte[], byte[]> record : read(topic, 0)) {
      if (rotationId.equals(header(record, "ce_rotationid"))
          && type.cloudEventType().equals(header(record, "ce_type"))) {
        return JSON.readTree(record.value());
      }
    }
    return null;
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static List<String> headerValues(List<Header> headers, String name) {
    return headers.stream()
        .filter(h -> h.key().equals(name))
        .map(h -> new String(h.value(), StandardCharsets.UTF_8))
        .toList();
  }

  // ------------------------------------------------------------------------------------- logs

  /** The log of the service that consumes as {@code group}. */
  private static String logOf(String group) {
    String service = group.replaceFirst("^rotor-", "");
    if (service.startsWith("verifier-")) {
      service = "verifier";
    }
    return service + ".log";
  }

  private String logText(String log) throws IOException {
    return Files.readString(home.resolve("logs").resolve(log), StandardCharsets.UTF_8);
  }

  /** No log holds a bidi override, zero-width or control character, nor a forged line. */
  private void assertNoLogInjection() throws IOException {
    List<Path> logs;
    try (Stream<Path> walk = Files.walk(home.resolve("logs"))) {
      logs = walk.filter(Files::isRegularFile).toList();
    }
    List<String> problems = new ArrayList<>();
    for (Path log : logs) {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.startsWith(HostileCorpus.FORGED_LINE)) {
          problems.add(home.relativize(log) + ":" + (i + 1) + " a forged log line");
        }
        for (char c : line.toCharArray()) {
          if (HostileCorpus.LOG_INJECTION.indexOf(c) >= 0) {
            problems.add(
                home.relativize(log) + ":" + (i + 1) + String.format(" holds U+%04X raw", (int) c));
            break;
          }
        }
      }
    }
    assertThat(problems).as("log injection").isEmpty();
  }

  private static int status(URI uri) throws InterruptedException {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    }
  }
}
