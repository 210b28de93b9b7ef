package dev.rotor.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

  @Test
  void defaultsPerBenchmark() {
    BenchOptions fleet = Bench.parse("fleet", List.of());
    assertThat(fleet.targets()).isEqualTo(1000);
    BenchOptions overhead = Bench.parse("overhead", List.of("--port-offset", "1600"));
    assertThat(overhead.targets()).isEqualTo(10);
    assertThat(overhead.rotations()).isEqualTo(100);
    assertThat(overhead.portOffset()).isEqualTo(1600);
    assertThat(overhead.verifierTick()).isEqualTo(Duration.ofSeconds(1));
    assertThat(Bench.parse("footprint", List.of()).sequentialStart()).isTrue();
    assertThat(Bench.parse("fleet", List.of("--clusters", "3")).stages())
        .as("every target on every cluster unless told otherwise")
        .isEqualTo(3);
    assertThat(Bench.parse("fleet", List.of("--clusters", "3", "--stages", "1")).stages())
        .isEqualTo(1);
  }

  @Test
  void badInputNamesTheOptionAndTheValue() {
    assertThatThrownBy(() -> Bench.parse("speed", List.of()))
        .hasMessageContaining("unknown benchmark 'speed'");
    assertThatThrownBy(() -> Bench.parse("fleet", List.of("--targets", "many")))
        .hasMessage("--targets: expected a number, got 'many'");
    assertThatThrownBy(() -> Bench.parse("fleet", List.of("--targets", "0")))
        .hasMessage("--targets: must be between 1 and 100000, got 0");
    assertThatThrownBy(() -> Bench.parse("overhead", List.of("--verifier-tick", "1s")))
        .hasMessageContaining("--verifier-tick: expected an ISO-8601 duration");
    assertThatThrownBy(() -> Bench.parse("overhead", List.of("--rotations")))
        .hasMessage("--rotations: needs a value");
    assertThatThrownBy(() -> Bench.parse("overhead", List.of("--soak", "PT1S")))
        .hasMessage("unknown option --soak");
    assertThatThrownBy(() -> Bench.parse("fleet", List.of("--stages", "2")))
        .hasMessage("--stages: 2 stages need as many clusters, but --clusters is 1");
  }
}
