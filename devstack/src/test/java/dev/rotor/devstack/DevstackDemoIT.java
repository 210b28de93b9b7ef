package dev.rotor.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.devstack.tracing.OtlpReceiver;
import dev.rotor.devstack.tracing.OtlpReceiver.ReceivedSpan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, end to end, with short soaks: the devstack starts everything, the
 * healthy rotation completes with the new key in both clusters and in the ledger, the rotation that
 * makes production fail ends rolled back, and the workload's clients see no decrypt failure in
 * either; then every process is gone.
 *
 * <p>The same run exports spans to an OTLP receiver in the test ({@code --otlp-endpoint}, off by
 * default): the trace of the healthy rotation holds spans of every process. One devstack serves
 * both, since starting one and running a rotation is most of each test's time.
 */
class DevstackDemoIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> EVERY_PROCESS =
      Set.of(
          "rotorctl",
          "rotor-key-generator",
          "rotor-manifest-service",
          "rotor-cluster-agent",
          "rotor-verifier",
          "rotor-ledger-service",
          "rotor-notifier");

  @Test
  void theDemoRotatesTheKeyEverywhereThenRollsBackAFailingProductionWithoutOneDecryptFailure()
      throws Exception {
    try (OtlpReceiver otlp = OtlpReceiver.start();
        DevstackProcess devstack =
            DevstackProcess.start(
                "it-demo",
                400,
                "--soak",
                "PT10S",
                "--interval",
                "PT2S",
                "--otlp-endpoint",
                otlp.endpoint())) {
      assertThat(devstack.process.waitFor(25, TimeUnit.MINUTES))
          .as("the demo ends by itself")
          .isTrue();
      List<ProcessHandle> leftovers = new ArrayList<>(devstack.process.descendants().toList());
      String output = devstack.output();
      assertThat(devstack.process.exitValue()).as(output).isZero();
      assertThat(leftovers).noneMatch(ProcessHandle::isAlive);

      JsonNode summary = JSON.readTree(devstack.home().resolve("summary.json").toFile());
      JsonNode healthy = summary.path("scenarios").get(0);
      JsonNode failing = summary.path("scenarios").get(1);
      assertThat(healthy.path("ok").asBoolean()).as(healthy.toPrettyString()).isTrue();
      assertThat(failing.path("ok").asBoolean()).as(failing.toPrettyString()).isTrue();
      assertThat(checks(healthy))
          .anySatisfy(c -> assertThat(c).startsWith("aether-staging: the Secret's primary key is"))
          .anySatisfy(
              c -> assertThat(c).startsWith("aether-production: the Secret's primary key is"))
          .anySatisfy(c -> assertThat(c).contains("recorded as COMPLETED with fingerprint"))
          .anySatisfy(c -> assertThat(c).contains("aether-staging: the load generator made"))
          .allSatisfy(c -> assertThat(c).doesNotContainPattern("[1-9][0-9]* decrypt failures"));
      assertThat(checks(failing))
          .anySatisfy(c -> assertThat(c).contains("recorded as ROLLED_BACK"))
          .anySatisfy(c -> assertThat(c).startsWith("aether-production: the previous key"))
          .anySatisfy(c -> assertThat(c).contains("(the injected fault)"))
          .allSatisfy(c -> assertThat(c).doesNotContainPattern("[1-9][0-9]* decrypt failures"));

      assertThat(output)
          .contains(
              "COMPLETED after",
              "ROLLED BACK after",
              "Ledger verified.",
              "consistent: the log only grew, nothing before was changed",
              "in a tree of",
              "signature: valid",
              "Both scenarios did what Rotor promises",
              "ROTOR-8010 stopped every process the devstack started");
      assertThat(summary.path("startupSeconds").asDouble()).isPositive();
      // The leak scan ran after the scenarios over everything, and found no key anywhere.
      JsonNode leakScan = summary.path("leakScan");
      assertThat(leakScan.path("clean").asBoolean()).as(leakScan.toPrettyString()).isTrue();
      assertThat(leakScan.path("keys").size()).as("keys looked for").isGreaterThanOrEqualTo(3);
      for (String source : List.of("kafka", "logs", "postgres", "git", "http")) {
        assertThat(leakScan.path("scanned").path(source).path("items").asLong())
            .as("%s scanned", source)
            .isPositive();
      }
      assertNoKeyInAnyLogOrOutput(devstack);
      String trace = assertOneTraceCoversTheHealthyRotationAcrossEveryService(otlp, output);
      System.out.println(
          "[DevstackDemoIT] start-up "
              + summary.path("startupSeconds").asDouble()
              + " s; components "
              + summary.path("componentStartMillis")
              + "; healthy rotation "
              + healthy.path("wallMillis").asLong()
              + " ms, failing rotation "
              + failing.path("wallMillis").asLong()
              + " ms; leak scan "
              + leakScan.path("millis").asLong()
              + " ms over "
              + leakScan.path("scanned")
              + "; "
              + trace);
    }
  }

  /**
   * Each scenario's {@code rotorctl request} is the root of its rotation's trace; the healthy
   * rotation's trace holds spans of every process, from the request and the approval through the
   * agent's phases and steps and the verifier's rounds to the ledger's records and the notifier's
   * deliveries.
   */
  private static String assertOneTraceCoversTheHealthyRotationAcrossEveryService(
      OtlpReceiver otlp, String output) {
    List<ReceivedSpan> spans = otlp.spans();
    List<ReceivedSpan> requests =
        spans.stream().filter(s -> s.name().equals("rotorctl request")).toList();
    assertThat(requests).as("root spans of rotorctl request, one per scenario").hasSize(2);
    assertThat(requests).allSatisfy(r -> assertThat(r.parentSpanId()).as("a root").isEmpty());
    // The healthy scenario runs first, and the demo prints each rotation's trace id.
    Matcher printed = Pattern.compile("  trace ([0-9a-f]{32}) ").matcher(output);
    assertThat(printed.find()).as("a trace id in the demo's output").isTrue();
    ReceivedSpan root =
        requests.stream()
            .filter(r -> r.traceId().equals(printed.group(1)))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no root span of trace " + printed.group(1)));
    List<ReceivedSpan> rotation =
        spans.stream().filter(s -> s.traceId().equals(root.traceId())).toList();
    assertThat(rotation.stream().map(ReceivedSpan::service).collect(Collectors.toSet()))
        .as("processes with spans in the healthy rotation's trace")
        .containsAll(EVERY_PROCESS);
    assertThat(rotation.stream().map(ReceivedSpan::name).collect(Collectors.toSet()))
        .as("span names in the healthy rotation's trace")
        .contains(
            "rotorctl approve",
            "rotor.rollout.distribute",
            "rotor.rollout.promote",
            "rotor.apply",
            "rotor.restart",
            "rotor.rollout-status",
            "rotor.soak.round",
            "rotor.ledger.record",
            "rotor.notifier.delivery");
    return rotation.size() + " spans in trace " + root.traceId() + " of " + spans.size();
  }

  /**
   * Every key the pods ever held (their keyring files, as the kubelet would mount them) appears in
   * no log of any process, in no output and in no file the devstack wrote besides those mounts.
   */
  private static void assertNoKeyInAnyLogOrOutput(DevstackProcess devstack) throws IOException {
    Set<String> keys = new TreeSet<>();
    List<Path> mounts;
    try (Stream<Path> files = Files.walk(devstack.home().resolve("clusters"))) {
      mounts = files.filter(f -> f.getFileName().toString().startsWith("keyring.key.")).toList();
    }
    for (Path mount : mounts) {
      byte[] raw = Files.readAllBytes(mount);
      keys.add(Base64.getEncoder().encodeToString(raw));
      keys.add(HexFormat.of().formatHex(raw));
    }
    assertThat(keys).as("keys the pods held").hasSizeGreaterThanOrEqualTo(6);
    List<Path> written;
    try (Stream<Path> files = Files.walk(devstack.home())) {
      written =
          files
              .filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().startsWith("keyring."))
              .filter(f -> !f.startsWith(devstack.home().resolve("cache")))
              .filter(f -> !f.startsWith(devstack.home().resolve("postgres")))
              .filter(f -> !f.startsWith(devstack.home().resolve("prometheus")))
              .toList();
    }
    for (Path file : written) {
      String text = Files.readString(file, StandardCharsets.ISO_8859_1);
      for (String key : keys) {
        assertThat(text).as("a key in %s", file).doesNotContain(key);
      }
    }
    for (String key : keys) {
      assertThat(devstack.output()).as("a key in the devstack's output").doesNotContain(key);
    }
  }

  private static List<String> checks(JsonNode scenario) {
    List<String> checks = new ArrayList<>();
    scenario.path("checks").forEach(c -> checks.add(c.path("what").asText()));
    return checks;
  }
}
