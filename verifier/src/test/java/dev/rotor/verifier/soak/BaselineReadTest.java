package dev.rotor.verifier.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.plan.Thresholds;
import dev.rotor.verifier.Rotation;
import dev.rotor.verifier.metrics.MetricKind;
import dev.rotor.verifier.metrics.MetricsReading;
import dev.rotor.verifier.metrics.MetricsSource;
import dev.rotor.verifier.metrics.StageTarget;
import dev.rotor.verifier.store.SoakKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaselineReadTest {
  static final Instant T = Instant.parse("2026-11-26T06:00:00Z");

  /** Prometheus answers the baseline's queries only from its {@code failures + 1}-th read on. */
  static final class FlakyPrometheus implements MetricsSource {
    int failures;
    int reads;

    FlakyPrometheus(int failures) {
      this.failures = failures;
    }

    @Override
    public String describe() {
      return "prometheus (test)";
    }

    @Override
    public boolean hasHistory() {
      return true;
    }

    @Override
    public MetricsReading read(StageTarget target, Instant at, String previousState) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Map<String, Map<MetricKind, Double>> baseline(
        StageTarget target, Instant from, Instant to) {
      reads++;
      if (reads <= failures) {
        return Map.of("checkout", Map.of()); // ROTOR-4040: the query failed, no baseline
      }
      return Map.of("checkout", Map.of(MetricKind.ERROR_RATE, 0.002, MetricKind.LATENCY, 0.2));
    }
  }

  @Test
  void aBaselineReadThatFailedIsReadAgainInTheNextRound() {
    SoakSnapshot soak = soak();
    StageTarget target = target(soak);
    SoakProgress progress = new SoakProgress();
    FlakyPrometheus prometheus = new FlakyPrometheus(1);

    SoakRunner.readBaseline(soak, progress, prometheus, target);
    assertThat(progress.series(MetricKind.LATENCY, "checkout").baseline).isNull();
    SoakRunner.readBaseline(soak, progress, prometheus, target);
    SoakRunner.readBaseline(soak, progress, prometheus, target);

    assertThat(progress.series(MetricKind.LATENCY, "checkout").baseline).isEqualTo(0.2);
    assertThat(progress.series(MetricKind.ERROR_RATE, "checkout").baseline).isEqualTo(0.002);
    assertThat(prometheus.reads).as("read until complete, then no more").isEqualTo(2);
  }

  @Test
  void aBaselineThatNeverComesIsReadABoundedNumberOfTimes() {
    SoakSnapshot soak = soak();
    SoakProgress progress = new SoakProgress();
    FlakyPrometheus prometheus = new FlakyPrometheus(Integer.MAX_VALUE);

    for (int round = 0; round < 20; round++) {
      SoakRunner.readBaseline(soak, progress, prometheus, target(soak));
    }

    assertThat(prometheus.reads).isEqualTo(SoakRunner.BASELINE_READS);
    assertThat(progress.baselineRead).isTrue();
  }

  private static StageTarget target(SoakSnapshot soak) {
    return new StageTarget(
        "prom",
        soak.plan().namespace(),
        List.of("checkout"),
        soak.plan().verification(),
        Duration.ofSeconds(30));
  }

  private static SoakSnapshot soak() {
    Rotation rotation =
        Rotation.of(
            "baseline",
            "checkout-config",
            "3b1f0c5e".repeat(8),
            "0a1b2c3d",
            Rotation.QUICK,
            Rotation.stage("prom", Duration.ofMinutes(5), Thresholds.DEFAULT, "checkout"));
    return new SoakSnapshot(
        1,
        0,
        rotation.id(),
        "prom",
        SoakKind.STAGE,
        rotation.plan(),
        0,
        T,
        T.plus(Duration.ofMinutes(5)),
        Duration.ofSeconds(30),
        null,
        List.of(),
        new SoakProgress(),
        null,
        null,
        null,
        true,
        T.minusSeconds(60),
        T.minusSeconds(30),
        null);
  }
}
