package dev.rotor.devstack.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.event.Topics;
import dev.rotor.devstack.leak.ScanReport;
import dev.rotor.devstack.process.Await;
import dev.rotor.devstack.scenario.EventFollower;
import dev.rotor.devstack.scenario.RotorctlRunner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the chaos run promises, checked after it from the outside: the topics, the ledger's REST API
 * and rotorctl, each cluster's record of rollouts, the load generators' counts, and the DLQ.
 */
public final class ChaosChecks {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** One check: a name, whether it held, and what was found. */
  public record Check(String name, boolean ok, String detail) {}

  private ChaosChecks() {}

  /** (1) Every rotation requested reached an end (completed, rolled back, failed or rejected). */
  public static Check noneStuck(List<ChaosRun.Rotation> rotations, List<ChaosRun.Rotation> open) {
    StringBuilder detail = new StringBuilder();
    detail.append(rotations.size()).append(" rotations, ");
    detail.append(rotations.size() - open.size()).append(" ended");
    List<String> failed =
        rotations.stream()
            .filter(r -> "failed".equals(r.outcome()))
            .map(r -> r.rotationId() + " (" + r.detail() + ")")
            .toList();
    if (!failed.isEmpty()) {
      detail.append("; failed with a reason: ").append(failed);
    }
    for (ChaosRun.Rotation rotation : open) {
      detail
          .append("; NOT ENDED: ")
          .append(rotation.target())
          .append(" ")
          .append(rotation.rotationId())
          .append(" (")
          .append(rotation.detail())
          .append(")");
    }
    return new Check("none stuck", open.isEmpty() && !rotations.isEmpty(), detail.toString());
  }

  /**
   * (2) Every event on the topics is in the ledger exactly once and the ledger holds nothing else;
   * {@code rotorctl ledger verify} passes.
   */
  public static List<Check> ledger(
      EventFollower events, URI ledger, RotorctlRunner rotorctl, Duration catchUp) {
    List<Check> checks = new ArrayList<>();
    Set<String> onTopics = new HashSet<>();
    events.all().forEach(e -> onTopics.add(e.id()));
    Map<String, Integer>[] inLedger = new Map[1];
    try {
      Await.until(
          "the ledger to hold the " + onTopics.size() + " events on the topics",
          catchUp,
          null,
          () -> {
            inLedger[0] = ledgerEventIds(ledger);
            return inLedger[0] != null && inLedger[0].keySet().containsAll(onTopics);
          });
    } catch (RuntimeException e) {
      // Reported below with what the ledger holds.
    }
    Map<String, Integer> entries = inLedger[0] == null ? Map.of() : inLedger[0];
    // The ledger's newest checkpoints may have been read by the ledger before the follower: read
    // the topics again before calling an entry unknown.
    Set<String> topicsNow = new HashSet<>();
    Await.sleep(Duration.ofSeconds(2));
    events.all().forEach(e -> topicsNow.add(e.id()));
    List<String> missing = onTopics.stream().filter(id -> !entries.containsKey(id)).toList();
    List<String> twice =
        entries.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    List<String> unknown = entries.keySet().stream().filter(id -> !topicsNow.contains(id)).toList();
    checks.add(
        new Check(
            "ledger holds each event exactly once",
            inLedger[0] != null && missing.isEmpty() && twice.isEmpty() && unknown.isEmpty(),
            onTopics.size()
                + " distinct events on the rotor.* topics, "
                + entries.values().stream().mapToInt(Integer::intValue).sum()
                + " ledger entries; missing from the ledger: "
                + sample(missing)
                + "; in the ledger more than once: "
                + sample(twice)
                + "; in the ledger but on no topic: "
                + sample(unknown)));
    RotorctlRunner.Result verify = rotorctl.run(Duration.ofMinutes(3), "ledger", "verify");
    checks.add(
        new Check(
            "rotorctl ledger verify",
            verify.exitCode() == 0,
            "exit "
                + verify.exitCode()
                + ": "
                + (verify.out() + verify.err()).strip().replace('\n', ' ')));
    return checks;
  }

  /** (3) No Deployment was restarted twice for one (rotation, phase) in any cluster. */
  public static Check oneRestartPerPhase(Map<String, JsonNode> rolloutsByCluster) {
    Map<String, Integer> counts = new TreeMap<>();
    int total = 0;
    int unmarked = 0;
    for (Map.Entry<String, JsonNode> cluster : rolloutsByCluster.entrySet()) {
      for (JsonNode rollout : cluster.getValue()) {
        total++;
        String mark = rollout.path("mark").asText(null);
        if (mark == null) {
          unmarked++;
          continue;
        }
        counts.merge(
            cluster.getKey() + " " + rollout.path("deployment").asText() + " " + mark,
            1,
            Integer::sum);
      }
    }
    List<String> twice =
        counts.entrySet().stream()
            .filter(e -> e.getValue() > 1)
            .map(e -> e.getKey() + " x" + e.getValue())
            .toList();
    return new Check(
        "no Deployment restarted twice for one phase",
        twice.isEmpty() && total > 0 && !rolloutsByCluster.isEmpty(),
        total
            + " rollouts in "
            + rolloutsByCluster.keySet()
            + ", "
            + counts.size()
            + " (Deployment, rotation/phase) marks, "
            + unmarked
            + " without a Rotor mark; restarted more than once for one phase: "
            + (twice.isEmpty() ? "none" : twice));
  }

  /** (4) The workload's clients counted no decrypt failure (nor a wrong plaintext). */
  public static Check noDecryptFailure(Map<String, JsonNode> loads) {
    long decrypt = 0;
    long reads = 0;
    long writes = 0;
    long http = 0;
    long transport = 0;
    boolean complete = true;
    List<String> samples = new ArrayList<>();
    for (JsonNode load : loads.values()) {
      if (!load.has("reads")) {
        complete = false;
        continue;
      }
      decrypt += load.path("decryptFailures").asLong() + load.path("wrongPlaintexts").asLong();
      reads += load.path("readsOk").asLong();
      writes += load.path("writesOk").asLong();
      http += load.path("httpErrors").asLong();
      transport += load.path("transportErrors").asLong();
      load.path("failureSamples").forEach(s -> samples.add(s.asText()));
    }
    return new Check(
        "zero decrypt failures",
        complete && decrypt == 0 && reads > 0 && writes > 0,
        writes
            + " writes and "
            + reads
            + " reads answered in "
            + loads.keySet()
            + ": "
            + decrypt
            + " decrypt failures, "
            + http
            + " HTTP errors, "
            + transport
            + " transport errors (the pods' database restarted once)"
            + (decrypt == 0 ? "" : "; e.g. " + samples.subList(0, Math.min(3, samples.size()))));
  }

  /**
   * (6) The leak scan after the run found no key of any rotation, in no encoding, in any Kafka
   * record, log file, database row, Git object or HTTP response; a source it could not scan fails
   * the check too (nothing unscanned counts as clean).
   */
  public static Check noKeyLeaked(ScanReport scan) {
    StringBuilder detail = new StringBuilder();
    detail.append(scan.keyIds().size()).append(" keys in every encoding, searched in ");
    List<String> read = new ArrayList<>();
    scan.counts().forEach((source, counts) -> read.add(source + " " + counts.items()));
    detail.append(read.isEmpty() ? "nothing" : String.join(", ", read));
    List<ScanReport.Finding> findings = scan.findings();
    if (!findings.isEmpty()) {
      detail.append("; ").append(findings.size()).append(" leaks, e.g. ");
      ScanReport.Finding first = findings.get(0);
      detail
          .append("key ")
          .append(first.keyId())
          .append(" as ")
          .append(first.encoding())
          .append(" in ")
          .append(first.source())
          .append(" ")
          .append(first.where());
    }
    if (!scan.errors().isEmpty()) {
      detail.append("; not scanned: ").append(String.join("; ", scan.errors()));
    }
    return new Check(
        "no key in any record, log, row, Git object or response",
        scan.exitCode() == 0 && !scan.keyIds().isEmpty(),
        detail.toString());
  }

  /** (5) The DLQ holds no record (the devstack starts with an empty broker). */
  public static Check emptyDlq(String bootstrapServers, long sinceMillis) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.CLIENT_ID_CONFIG,
            "rotor-devstack-chaos-dlq");
    int count = 0;
    List<String> reasons = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition dlq = new TopicPartition(Topics.DLQ, 0);
      consumer.assign(List.of(dlq));
      consumer.seekToBeginning(List.of(dlq));
      long end = consumer.endOffsets(List.of(dlq), Duration.ofSeconds(30)).get(dlq);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (consumer.position(dlq, Duration.ofSeconds(30)) < end
          && System.nanoTime() - deadline < 0) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          if (record.timestamp() >= sinceMillis) {
            count++;
            Header reason = record.headers().lastHeader("dead-letter-reason");
            if (reasons.size() < 5) {
              reasons.add(
                  "from "
                      + header(record, "dead-letter-topic")
                      + ": "
                      + (reason == null
                          ? "(no reason)"
                          : new String(reason.value(), StandardCharsets.UTF_8)));
            }
          }
        }
      }
    }
    return new Check(
        "the DLQ holds nothing from this run",
        count == 0,
        count + " records on " + Topics.DLQ + (reasons.isEmpty() ? "" : ": " + reasons));
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "?" : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Event id to how many entries of the ledger hold it; null if the ledger does not answer. */
  static Map<String, Integer> ledgerEventIds(URI ledger) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    long from = 0;
    while (true) {
      String body;
      try {
        HttpResponse<String> response =
            HTTP.send(
                HttpRequest.newBuilder(
                        ledger.resolve("/ledger/export/entries?from=" + from + "&limit=5000"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          return null;
        }
        body = response.body();
      } catch (IOException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      int lines = 0;
      for (String line : body.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        lines++;
        try {
          JsonNode entry = JSON.readTree(line);
          ids.merge(entry.path("eventId").asText(), 1, Integer::sum);
          from = Math.max(from, entry.path("leafIndex").asLong() + 1);
        } catch (IOException e) {
          return null;
        }
      }
      if (lines < 5000) {
        return ids;
      }
    }
  }

  private static String sample(List<String> ids) {
    return ids.isEmpty()
        ? "none"
        : ids.size()
            + " "
            + ids.subList(0, Math.min(5, ids.size()))
            + (ids.size() > 5 ? "..." : "");
  }
}
