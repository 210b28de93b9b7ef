package dev.rotor.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void nearestRankPercentilesOfOneToHundred() {
    List<Double> values = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      values.add((double) i);
    }
    Collections.shuffle(values);
    Stats stats = Stats.of(values);
    assertThat(stats.count()).isEqualTo(100);
    assertThat(stats.p50()).isEqualTo(50.0);
    assertThat(stats.p90()).isEqualTo(90.0);
    assertThat(stats.p99()).isEqualTo(99.0);
    assertThat(stats.max()).isEqualTo(100.0);
    assertThat(stats.mean()).isEqualTo(50.5);
  }

  @Test
  void aSmallSampleTakesItsHighestValueForP99() {
    Stats stats = Stats.of(List.of(3.0, 1.0, 2.0));
    assertThat(stats.p50()).isEqualTo(2.0);
    assertThat(stats.p99()).isEqualTo(3.0);
  }

  @Test
  void anEmptySampleIsNaN() {
    assertThat(Stats.of(List.of()).p50()).isNaN();
  }
}
