package dev.rotor.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.cli.Json;
import dev.rotor.cli.Rotorctl;
import dev.rotor.cli.rotation.Script;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaTestClient;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code rotorctl watch} on the real broker: a scripted rotation produced into the topics the
 * services write is shown event by event, then as the stage view, and the exit code says how it
 * ended.
 */
class WatchTest {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  private static KafkaTestClient kafka;

  @BeforeAll
  static void broker() {
    KafkaBroker.createTopics(dev.rotor.common.event.Topics.EVENT_TOPICS.toArray(String[]::new));
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void close() {
    kafka.close();
  }

  @Test
  void aCompletedRotationIsShownStepByStepWithItsEvidenceAndExitsZero() {
    String rotationId = rotationId();
    Instant start = Instant.now().minus(Duration.ofHours(1));
    Topics.produce(kafka, new Script(rotationId, start).healthy(Duration.ofSeconds(20)));

    Rotorctl.Result result = watch(rotationId, "--no-live");

    assertThat(result.exitCode()).isZero();
    List<String> lines = result.outputLines();
    assertThat(lines.get(0))
        .isEqualTo(
            clock(start)
                + " requested by alice for aether-services/secrets-service-config: \"quarterly"
                + " rotation\"");
    assertThat(lines)
        .containsSubsequence(
            clock(start.plusSeconds(10)) + " approved by bob",
            clock(start.plusSeconds(12))
                + " aether-staging distribute: rollout started (commit 5d41402)",
            clock(start.plusSeconds(18))
                + " aether-staging: soak started, ends "
                + clock(start.plusSeconds(38))
                + " (10m00s)",
            clock(start.plusSeconds(38)) + " aether-staging: verification passed",
            "           error-rate         0         max 0.0100  baseline 0",
            clock(start.plusSeconds(65))
                + " rotation completed: key 3b1f0c5e is primary on aether-staging and"
                + " aether-production",
            "Rotation " + rotationId + "  aether-services/secrets-service-config",
            "  COMPLETED after 1m05s: key 3b1f0c5e is primary on aether-staging and"
                + " aether-production");
    assertThat(lines)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("  aether-production  distribute [##########] 2s")
                    .endsWith("[##########] passed"));
  }

  @Test
  void aRotationRolledBackInProductionExitsOneAndSaysTheNewKeyStaysReadable() {
    String rotationId = rotationId();
    Topics.produce(
        kafka,
        new Script(rotationId, Instant.now().minus(Duration.ofHours(1)))
            .failingInProduction(Duration.ofSeconds(20)));

    Rotorctl.Result result = watch(rotationId, "--no-live");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.outputLines())
        .contains(
            "    FAILED: ERROR_RATE: 5xx share 0.3000 above 0.01 for 2 checks",
            "  ROLLED BACK after 1m05s: verification failed on aether-production: ERROR_RATE")
        .anySatisfy(line -> assertThat(line).contains("stays decrypt-only"));
  }

  @Test
  void aRejectedRequestExitsOneWithTheReason() {
    String rotationId = rotationId();
    Topics.produce(kafka, new Script(rotationId, Instant.now()).requested("alice").rejected());

    Rotorctl.Result result = watch(rotationId, "--no-live");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.outputLines())
        .last()
        .isEqualTo(
            "  REJECTED: IN_FLIGHT: rotation 0a0b0c0d0e0f of this target is still in flight (in"
                + " flight: rotation 0a0b0c0d0e0f)");
  }

  @Test
  void eventsThatArriveWhileWatchingAreFollowedUntilTheRotationEnds() throws Exception {
    String rotationId = rotationId();
    Script script = new Script(rotationId, Instant.now()).healthy(Duration.ofSeconds(1));
    List<Script.Step> steps = script.steps();
    int half = steps.size() / 2;
    steps.subList(0, half).forEach(step -> Topics.produce(kafka, step.event(), step.topic()));
    Thread producer =
        new Thread(
            () -> {
              // The rest arrives while the watch runs (it reads the first half, then follows).
              org.awaitility.Awaitility.await()
                  .pollDelay(Duration.ofSeconds(3))
                  .atMost(Duration.ofSeconds(5))
                  .until(() -> true);
              steps
                  .subList(half, steps.size())
                  .forEach(step -> Topics.produce(kafka, step.event(), step.topic()));
            });
    producer.start();

    Rotorctl.Result result = watch(rotationId, "--no-live", "--max-wait", "PT60S");

    producer.join();
    assertThat(result.exitCode()).isZero();
    assertThat(result.output()).contains("rotation completed", "COMPLETED after");
  }

  @Test
  void aRotationThatDoesNotEndInTimeGivesUpWithExitThreeAndSaysWhereItStands() {
    String rotationId = rotationId();
    Topics.produce(
        kafka, new Script(rotationId, Instant.now()).requested("alice").keyGenerated().proposed());

    Rotorctl.Result result = watch(rotationId, "--no-live", "--max-wait", "PT2S");

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.errorLines())
        .containsExactly(
            "rotorctl: ROTOR-7102 rotation "
                + rotationId
                + " has not ended after 2s (awaiting approval (0 of 1)); watch it again with:"
                + " rotorctl watch "
                + rotationId);
  }

  @Test
  void onATerminalTheViewIsRedrawnInPlaceWithinTheTerminalsWidth() {
    String rotationId = rotationId();
    Topics.produce(
        kafka,
        new Script(rotationId, Instant.now().minusSeconds(5))
            .requested("alice")
            .keyGenerated()
            .proposed()
            .merged("bob")
            .rolloutStarted(Script.STAGING, dev.rotor.common.event.Phase.DISTRIBUTE));

    Rotorctl.Result result = watch(rotationId, "--live", "--max-wait", "PT3S");

    assertThat(result.exitCode()).isEqualTo(3);
    String redraw = "\u001b[";
    assertThat(result.output()).contains(redraw).contains("F\u001b[J");
    assertThat(result.output().split("\n"))
        .allSatisfy(
            line ->
                assertThat(line.replaceAll("\u001b\\[\\d+F\u001b\\[J", ""))
                    .hasSizeLessThan(WatchCommand.terminalWidth()))
        .anySatisfy(line -> assertThat(line).contains("rolling out aether-staging (distribute)"));
  }

  @Test
  void watchingARotationNobodyRequestedEndsWithOneLineAfterTheTimeout() {
    String rotationId = rotationId();

    Rotorctl.Result result = watch(rotationId, "--no-live", "--timeout", "PT2S");

    assertThat(result.exitCode()).isEqualTo(4);
    assertThat(result.errorLines()).hasSize(1);
    assertThat(result.errorOutput()).startsWith("rotorctl: ROTOR-7100 no rotation " + rotationId);
  }

  @Test
  void jsonOutputIsOneObjectPerEventThenTheOutcome() throws Exception {
    String rotationId = rotationId();
    Script script =
        new Script(rotationId, Instant.now().minus(Duration.ofHours(1)))
            .healthy(Duration.ofSeconds(20));
    Topics.produce(kafka, script);

    Rotorctl.Result result = watch(rotationId, "--output", "json");

    assertThat(result.exitCode()).isZero();
    List<JsonNode> objects = new ArrayList<>();
    for (String line : result.outputLines()) {
      objects.add(Json.mapper().readTree(line));
    }
    assertThat(objects).hasSize(script.steps().size() + 1);
    assertThat(objects.get(0).get("type").asText()).isEqualTo("rotation.requested");
    assertThat(objects.get(0).get("data").get("requestedBy").asText()).isEqualTo("alice");
    JsonNode outcome = objects.get(objects.size() - 1);
    assertThat(outcome.get("outcome").asText()).isEqualTo("COMPLETED");
    assertThat(outcome.get("fingerprint").asText()).isEqualTo(Script.FINGERPRINT);
    assertThat(outcome.get("exitCode").asInt()).isZero();
  }

  private static Rotorctl.Result watch(String rotationId, String... options) {
    List<String> args = new ArrayList<>(List.of("watch", rotationId));
    args.addAll(Arrays.asList(options));
    args.addAll(List.of("--bootstrap-servers", KafkaBroker.bootstrapServers()));
    return Rotorctl.run(args.toArray(String[]::new));
  }

  private static String clock(Instant at) {
    return CLOCK.format(at.atZone(ZoneId.systemDefault()));
  }

  private static String rotationId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }
}
