package dev.rotor.verifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.verifier.metrics.ExpositionFormat.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpositionFormatTest {

  /** What Micrometer's Prometheus registry serves on /q/metrics (text format 0.0.4). */
  static final String MICROMETER =
      """
      # HELP http_server_requests_seconds\s
      # TYPE http_server_requests_seconds histogram
      http_server_requests_seconds_bucket{method="GET",outcome="SUCCESS",status="200",uri="/payloads/{id}",le="0.001"} 3.0
      http_server_requests_seconds_bucket{method="GET",outcome="SUCCESS",status="200",uri="/payloads/{id}",le="+Inf"} 10.0
      http_server_requests_seconds_count{method="GET",outcome="SUCCESS",status="200",uri="/payloads/{id}",} 10.0
      http_server_requests_seconds_sum{method="GET",outcome="SUCCESS",status="200",uri="/payloads/{id}",} 0.0421
      # HELP secrets_decrypt_failures_total Payloads that could not be decrypted, by the key id they name
      # TYPE secrets_decrypt_failures_total counter
      secrets_decrypt_failures_total{key_id="99f59ac9",} 0.0
      jvm_info{runtime="OpenJDK \\"Runtime\\" Environment",vendor="a\\\\b",version="17\\n"} 1.0
      process_start_time_seconds 1.7642E9
      up_ish NaN
      go_like{quantile="0.5"} -Inf 1764200000000
      # EOF
      """;

  @Test
  void readsTheSamplesMicrometerServesWithTheirLabelsAndValues() {
    List<Sample> samples = ExpositionFormat.parse(MICROMETER);

    assertThat(samples).hasSize(9);
    Sample bucket = samples.get(0);
    assertThat(bucket.name()).isEqualTo("http_server_requests_seconds_bucket");
    assertThat(bucket.label("uri")).isEqualTo("/payloads/{id}");
    assertThat(bucket.label("le")).isEqualTo("0.001");
    assertThat(bucket.value()).isEqualTo(3.0);
    assertThat(samples.get(1).label("le")).isEqualTo("+Inf");
    assertThat(samples.get(2).labels()).containsEntry("status", "200").hasSize(4);
    assertThat(samples.get(4).label("key_id")).isEqualTo("99f59ac9");
  }

  @Test
  void unescapesLabelValuesAndReadsGoFloats() {
    List<Sample> samples = ExpositionFormat.parse(MICROMETER);

    Sample info = samples.get(5);
    assertThat(info.label("runtime")).isEqualTo("OpenJDK \"Runtime\" Environment");
    assertThat(info.label("vendor")).isEqualTo("a\\b");
    assertThat(info.label("version")).isEqualTo("17\n");
    assertThat(samples.get(6).value()).isEqualTo(1.7642e9);
    assertThat(samples.get(7).value()).isNaN();
    assertThat(samples.get(8).value()).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void refusesALineThatBreaksTheFormatNamingTheLine() {
    assertThatThrownBy(() -> ExpositionFormat.parse("ok 1\nbroken{le=\"1\" 2\n"))
        .hasMessageStartingWith("line 2:");
    assertThatThrownBy(() -> ExpositionFormat.parse("value_without_number abc"))
        .hasMessage("line 1: the value is not a number");
    assertThatThrownBy(() -> ExpositionFormat.parse("twice{a=\"1\",a=\"2\"} 1"))
        .hasMessageContaining("label a appears twice");
    assertThatThrownBy(() -> ExpositionFormat.parse("escape{a=\"\\t\"} 1"))
        .hasMessageContaining("unknown escape");
  }
}
