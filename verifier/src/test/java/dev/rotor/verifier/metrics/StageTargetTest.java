package dev.rotor.verifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.plan.VerificationSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageTargetTest {
  static final StageTarget TARGET =
      new StageTarget(
          "prom", "shop", List.of("checkout"), VerificationSpec.DEFAULT, Duration.ofSeconds(10));

  @Test
  void aQueryLooksBackAsTheTemplateSaysWhenNothingLimitsIt() {
    assertThat(TARGET.query(MetricKind.DECRYPT_FAILURES, "checkout"))
        .contains("[1m]")
        .contains("deployment=\"checkout\"");
  }

  @Test
  void everyRangeLongerThanTheLookbackIsCutToIt() {
    StageTarget limited = TARGET.lookingBackAtMost(Duration.ofSeconds(10));

    assertThat(limited.query(MetricKind.DECRYPT_FAILURES, "checkout"))
        .contains("[10s]")
        .doesNotContain("[1m]");
    assertThat(limited.query(MetricKind.ERROR_RATE, "checkout")).doesNotContain("[1m]");
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
