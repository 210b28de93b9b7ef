package dev.rotor.notifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetPatternTest {

  @Test
  void matchesATargetIdExactlyOrByWildcards() {
    assertThat(new TargetPattern("payments/api-key").matches("payments/api-key")).isTrue();
    assertThat(new TargetPattern("payments/api-key").matches("payments/api-key2")).isFalse();
    assertThat(new TargetPattern("payments/*").matches("payments/api-key")).isTrue();
    assertThat(new TargetPattern("payments/*").matches("payments-eu/api-key")).isFalse();
    assertThat(new TargetPattern("*-prod/*").matches("shop-prod/db")).isTrue();
    assertThat(new TargetPattern("*-prod/*").matches("shop-stage/db")).isFalse();
    assertThat(new TargetPattern("*").matches("anything/at-all")).isTrue();
  }

  @Test
  void onlyTheCatchAllMatchesEventsWithoutATarget() {
    assertThat(new TargetPattern("*").matches(null)).isTrue();
    assertThat(new TargetPattern("*/*").matches(null)).isFalse();
  }

  @Test
  void refusesPatternsThatNoTargetIdCouldMatch() {
    assertThatThrownBy(() -> new TargetPattern("Payments/*"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TargetPattern("payments/[a-z]"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
