package dev.rotor.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.devstack.tracing.OtlpReceiver;
import dev.rotor.devstack.tracing.OtlpReceiver.ReceivedSpan;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/tracing.md end to end: the devstack with tracing on for every service and rotorctl, spans
 * exported over OTLP to a receiver in this test, one healthy rotation. One trace covers the whole
 * rotation: it starts at {@code rotorctl request}, and every service exported spans in it, the
 * approval by {@code rotorctl approve} included.
 */
class DevstackTracingIT {
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
  void oneTraceCoversAWholeRotationAcrossEveryService() throws Exception {
    try (OtlpReceiver otlp = OtlpReceiver.start();
        DevstackProcess devstack =
            DevstackProcess.start(
                "it-tracing",
                Integer.getInteger("rotor.test.port-offset", 1700),
                "--scenarios",
                "healthy",
                "--soak",
                "PT6S",
                "--interval",
                "PT2S",
                "--no-prometheus",
                "--otlp-endpoint",
                otlp.endpoint())) {
      assertThat(devstack.process.waitFor(20, TimeUnit.MINUTES))
          .as("the demo ends by itself")
          .isTrue();
      String output = devstack.output();
      assertThat(devstack.process.exitValue()).as(output).isZero();

      List<ReceivedSpan> spans = otlp.spans();
      List<ReceivedSpan> requests =
          spans.stream().filter(s -> s.name().equals("rotorctl request")).toList();
      assertThat(requests).as("the root span of rotorctl request").hasSize(1);
      ReceivedSpan root = requests.get(0);
      assertThat(root.parentSpanId()).as("a root span").isEmpty();
      assertThat(output).contains("trace " + root.traceId());

      List<ReceivedSpan> rotation =
          spans.stream().filter(s -> s.traceId().equals(root.traceId())).toList();
      assertThat(rotation.stream().map(ReceivedSpan::service).collect(Collectors.toSet()))
          .as("processes with spans in the rotation's trace")
          .containsAll(EVERY_PROCESS);
      assertThat(rotation.stream().map(ReceivedSpan::name).collect(Collectors.toSet()))
          .as("span names in the rotation's trace")
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
      System.out.println(
          "[DevstackTracingIT] "
              + rotation.size()
              + " spans in trace "
              + root.traceId()
              + " of "
              + spans.size()
              + " exported");
    }
  }
}
