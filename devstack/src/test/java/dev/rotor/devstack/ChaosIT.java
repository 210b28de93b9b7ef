package dev.rotor.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The chaos run's short version (docs/chaos.md): 6 rotations over 3 targets while a random Rotor
 * service is SIGKILLed and restarted every 5 seconds, the Kafka broker restarts once and PostgreSQL
 * once; afterwards no rotation is stuck, the ledger holds each event of the topics exactly once and
 * verifies, no Deployment was restarted twice for one phase, the workload's clients counted no
 * decrypt failure, and the DLQ is empty.
 */
class ChaosIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void rotationsSurviveKilledServicesAndRestartedInfrastructureWithEveryPromiseKept()
      throws Exception {
    long started = System.nanoTime();
    try (DevstackProcess devstack =
        DevstackProcess.run(
            "chaos",
            "it-chaos",
            500,
            "--rotations",
            "6",
            "--targets",
            "3",
            "--kill-every",
            "PT5S",
            "--soak",
            "PT8S",
            "--interval",
            "PT2S",
            "--settle",
            "PT3M")) {
      assertThat(devstack.process.waitFor(25, TimeUnit.MINUTES))
          .as("the chaos run ends by itself")
          .isTrue();
      List<ProcessHandle> leftovers = new ArrayList<>(devstack.process.descendants().toList());
      String output = devstack.output();
      JsonNode summary = JSON.readTree(devstack.home().resolve("summary.json").toFile());
      JsonNode chaos = summary.path("chaos");
      assertThat(devstack.process.exitValue()).as(output).isZero();
      assertThat(leftovers).noneMatch(ProcessHandle::isAlive);

      List<String> held = new ArrayList<>();
      chaos.path("checks").forEach(c -> held.add(c.path("check").asText() + "=" + c.path("ok")));
      assertThat(held)
          .as(chaos.path("checks").toPrettyString())
          .containsExactly(
              "none stuck=true",
              "ledger holds each event exactly once=true",
              "rotorctl ledger verify=true",
              "no Deployment restarted twice for one phase=true",
              "zero decrypt failures=true",
              "the DLQ holds nothing from this run=true",
              "no key in any record, log, row, Git object or response=true");
      assertThat(summary.path("leakScan").path("exitCode").asInt(-1))
          .as("the leak scan's report in summary.json")
          .isZero();
      JsonNode outcomes = chaos.path("outcomes");
      assertThat(chaos.path("rotations")).hasSizeGreaterThanOrEqualTo(6);
      assertThat(outcomes.path("NOT ENDED").asInt()).isZero();
      assertThat(outcomes.path("completed").asInt() + outcomes.path("rolled-back").asInt())
          .as("rotations that ran to an end, not only rejections: %s", outcomes)
          .isPositive();
      JsonNode faults = chaos.path("faults");
      assertThat(faults.path("restart kafka").asInt()).isEqualTo(1);
      assertThat(faults.path("restart postgres").asInt()).isEqualTo(1);
      int kills = 0;
      for (var it = faults.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (name.startsWith("kill -9 ")) {
          kills += faults.path(name).asInt();
        }
      }
      assertThat(kills).as("services SIGKILLed and restarted").isGreaterThanOrEqualTo(5);
      chaos
          .path("faultLog")
          .forEach(f -> assertThat(f.path("error").isNull()).as(f.toString()).isTrue());
      assertThat(output).contains("Every check held", "ROTOR-8010 stopped every process");
      System.out.printf(
          "[ChaosIT] %d s in all (start-up %.0f s, chaos %d s): rotations %s, faults %s%n",
          TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
          summary.path("startupSeconds").asDouble(),
          chaos.path("chaosSeconds").asLong(),
          outcomes,
          faults);
    }
  }
}
