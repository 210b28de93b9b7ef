package dev.rotor.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceTimersTest {

  @Test
  void readsCountAndSumOfEachRotorTimerSeries() {
    String exposition =
        String.join(
            "\n",
            "# HELP rotor_manifest_service_step_duration_seconds worker steps",
            "# TYPE rotor_manifest_service_step_duration_seconds summary",
            "rotor_manifest_service_step_duration_seconds_count{outcome=\"done\",step=\"proposing\"} 4.0",
            "rotor_manifest_service_step_duration_seconds_sum{outcome=\"done\",step=\"proposing\"} 2.0",
            "rotor_manifest_service_step_duration_seconds_max{outcome=\"done\",step=\"proposing\"} 0.9",
            "rotor_manifest_service_step_duration_seconds_count{outcome=\"retry\",step=\"proposed\"} 0.0",
            "rotor_manifest_service_step_duration_seconds_sum{outcome=\"retry\",step=\"proposed\"} 0.0",
            "http_server_requests_seconds_count{method=\"GET\"} 7.0",
            "http_server_requests_seconds_sum{method=\"GET\"} 1.0",
            "rotor_key_generator_generation_seconds_count 3.0",
            "rotor_key_generator_generation_seconds_sum 0.03",
            "");
    List<ServiceTimers.Timer> timers = ServiceTimers.parse(exposition);
    assertThat(timers)
        .extracting(ServiceTimers.Timer::series)
        .containsExactly(
            "rotor_manifest_service_step_duration_seconds{outcome=\"done\",step=\"proposing\"}",
            "rotor_key_generator_generation_seconds");
    assertThat(timers.get(0).count()).isEqualTo(4);
    assertThat(timers.get(0).meanMillis()).isEqualTo(500.0);
    assertThat(timers.get(1).meanMillis())
        .isCloseTo(10.0, org.assertj.core.data.Offset.offset(1e-9));
  }
}
