package dev.rotor.notifier.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.notifier.slack.RetryAfter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetrySettingsTest {
  private final RetrySettings retry =
      new RetrySettings(
          5, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(5), Duration.ofMinutes(1));

  @Test
  void backsOffExponentiallyUpToTheLongestWait() {
    assertThat(retry.waitAfter(1, Optional.empty())).isEqualTo(Duration.ofSeconds(1));
    assertThat(retry.waitAfter(2, Optional.empty())).isEqualTo(Duration.ofSeconds(2));
    assertThat(retry.waitAfter(3, Optional.empty())).isEqualTo(Duration.ofSeconds(4));
    assertThat(retry.waitAfter(4, Optional.empty())).isEqualTo(Duration.ofSeconds(5));
    assertThat(retry.waitAfter(400, Optional.empty())).isEqualTo(Duration.ofSeconds(5));
    assertThat(retry.longestHold()).isEqualTo(Duration.ofSeconds(1 + 2 + 4 + 5));
  }

  @Test
  void waitsExactlyWhatRetryAfterAsksUpToItsBound() {
    assertThat(retry.waitAfter(1, Optional.of(Duration.ofSeconds(30))))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(retry.waitAfter(1, Optional.of(Duration.ofHours(3))))
        .isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void readsRetryAfterAsSecondsOrAsAnHttpDate() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-26T06:00:00Z"), ZoneOffset.UTC);
    assertThat(RetryAfter.parse("7", clock)).contains(Duration.ofSeconds(7));
    assertThat(RetryAfter.parse("Thu, 26 Nov 2026 06:00:30 GMT", clock))
        .contains(Duration.ofSeconds(30));
    assertThat(RetryAfter.parse("Thu, 26 Nov 2026 05:00:00 GMT", clock)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("soon", clock)).isEmpty();
    assertThat(RetryAfter.parse("-3", clock)).isEmpty();
  }
}
