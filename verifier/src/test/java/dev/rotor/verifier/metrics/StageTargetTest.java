package dev.rotor.verifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.plan.VerificationSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageTargetTest {
  static final Instant START = Instant.parse("2026-11-26T06:00:00Z");

  /** A soak that began at {@link #START}, checked every 5 minutes. */
  static final StageTarget TARGET =
      new StageTarget(
          "prom",
          "shop",
          List.of("checkout"),
          VerificationSpec.DEFAULT,
          Duration.ofMinutes(5),
          START);

  @Test
  void decryptFailuresAreCountedSinceTheSoakBeganNotOverTheLastInterval() {
    // The third check of the soak: a failure in the first interval must still count.
    assertThat(TARGET.query(MetricKind.DECRYPT_FAILURES, "checkout", START.plusSeconds(900)))
        .isEqualTo(
            "sum(increase(secrets_decrypt_failures_total{namespace=\"shop\","
                + "deployment=\"checkout\"}[900s]))");
  }

  @Test
  void errorRateAndLatencyCoverTheWholeCheckInterval() {
    Instant at = START.plusSeconds(900);

    assertThat(TARGET.query(MetricKind.ERROR_RATE, "checkout", at))
        .contains("status=~\"5..\"}[300s]")
        .doesNotContain("{window}")
        .doesNotContain("[1m]");
    assertThat(TARGET.query(MetricKind.LATENCY, "checkout", at))
        .contains("deployment=\"checkout\"}[300s]")
        .doesNotContain("{window}");
  }

  @Test
  void theSoakSoFarIsRoundedUpToWholeSecondsAndNeverShorterThanTheRateWindow() {
    StageTarget everySecond =
        new StageTarget(
            "prom",
            "shop",
            List.of("checkout"),
            VerificationSpec.DEFAULT,
            Duration.ofSeconds(1),
            START);

    assertThat(everySecond.window(MetricKind.DECRYPT_FAILURES, START.plusMillis(4001)))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(everySecond.window(MetricKind.DECRYPT_FAILURES, START.plusSeconds(4)))
        .isEqualTo(Duration.ofSeconds(4));
    assertThat(everySecond.window(MetricKind.DECRYPT_FAILURES, START.plusMillis(10)))
        .isEqualTo(Duration.ofSeconds(1));
    // A zero soak's only check, at its start: increase() needs two scrapes, the rate window has
    // them.
    assertThat(TARGET.window(MetricKind.DECRYPT_FAILURES, START)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void checksCloserThanTheMinimumRangeReadOverTheMinimumInAQueryOnly() {
    StageTarget everyTenSeconds =
        new StageTarget(
            "prom",
            "shop",
            List.of("checkout"),
            VerificationSpec.DEFAULT,
            Duration.ofSeconds(10),
            Duration.ofMinutes(1),
            START,
            null);
    Instant at = START.plusSeconds(30);

    assertThat(everyTenSeconds.query(MetricKind.ERROR_RATE, "checkout", at))
        .contains("status=~\"5..\"}[60s]");
    // The soak so far plus the minimum before it: a rise between the last scrape before the soak
    // and its first one is counted too.
    assertThat(everyTenSeconds.query(MetricKind.DECRYPT_FAILURES, "checkout", at))
        .contains("[90s]");
    assertThat(
            everyTenSeconds.query(MetricKind.DECRYPT_FAILURES, "checkout", START.plusSeconds(90)))
        .contains("[150s]");
    assertThat(everyTenSeconds.window())
        .as("the direct scrape's span: it differences its own scrapes")
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(
            everyTenSeconds
                .lookingBackAtMost(Duration.ofSeconds(30))
                .query(MetricKind.LATENCY, "checkout", at))
        .as("a rollback check's limit still wins")
        .contains("[30s]");
  }

  @Test
  void aQueryWithALiteralRangeIsReadAsWritten() {
    VerificationSpec d = VerificationSpec.DEFAULT;
    VerificationSpec literal =
        new VerificationSpec(
            d.errorRateQuery(),
            d.latencyQuery(),
            "sum(increase(failures{deployment=\"{deployment}\"}[1m]))",
            d.baselineWindow(),
            d.requiredLogPatterns(),
            d.forbiddenLogPatterns());
    StageTarget target =
        new StageTarget("prom", "shop", List.of("checkout"), literal, Duration.ofMinutes(5), START);

    assertThat(target.query(MetricKind.DECRYPT_FAILURES, "checkout", START.plusSeconds(900)))
        .isEqualTo("sum(increase(failures{deployment=\"checkout\"}[1m]))");
  }

  @Test
  void aRollbackCheckNeverLooksBackBeforeItStartedWhateverTheWindow() {
    Instant at = START.plusMillis(2500);
    StageTarget limited = TARGET.lookingBackAtMost(Duration.between(START, at));

    // Rounded up to 3 s, the soak so far would reach back before the check began: cut to 2.5 s.
    assertThat(limited.query(MetricKind.DECRYPT_FAILURES, "checkout", at))
        .contains("[2500ms]")
        .doesNotContain("[300s]");
    assertThat(limited.query(MetricKind.ERROR_RATE, "checkout", at))
        .contains("[2500ms]")
        .doesNotContain("[300s]");
  }

  @Test
  void subqueriesAndCompoundDurationsAreCutButShorterRangesAreLeftAlone() {
    Duration limit = Duration.ofMillis(2500);

    assertThat(StageTarget.clampRanges("sum_over_time(x[1m30s:1s])", limit))
        .isEqualTo("sum_over_time(x[2500ms:1s])");
    assertThat(StageTarget.clampRanges("rate(x[2s]) + rate(y[ 5m ])", limit))
        .isEqualTo("rate(x[2s]) + rate(y[2500ms])");
    assertThat(StageTarget.clampRanges("x{status=~\"[45]..\"}", limit))
        .isEqualTo("x{status=~\"[45]..\"}");
  }
}
