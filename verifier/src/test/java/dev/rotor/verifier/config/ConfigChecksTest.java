package dev.rotor.verifier.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigChecksTest {

  @Test
  void aWorkableConfigurationHasNoProblems() {
    assertThat(problems(Map.of())).isEmpty();
  }

  @Test
  void aClusterNeedsExactlyOneWayToReachItsApiServer() {
    assertThat(
            problems(
                Map.of(
                    "rotor.verifier.clusters.staging.in-cluster", "false",
                    "rotor.verifier.clusters.staging.trust-certs", "true")))
        .containsExactly(
            "rotor.verifier.clusters.staging.master-url: set exactly one of master-url,"
                + " kubeconfig-context, in-cluster");
    assertThat(
            problems(
                Map.of(
                    "rotor.verifier.clusters.staging.master-url", "https://api.example.com:6443",
                    "rotor.verifier.clusters.staging.in-cluster", "true")))
        .hasSize(1);
  }

  @Test
  void aClusterReadThroughPrometheusNeedsAPrometheusUrl() {
    assertThat(problemsWithout("rotor.verifier.prometheus.url", Map.of()))
        .containsExactly(
            "rotor.verifier.clusters.staging.prometheus-url: the cluster reads Prometheus, but"
                + " neither it nor rotor.verifier.prometheus.url names one");
    assertThat(
            problemsWithout(
                "rotor.verifier.prometheus.url",
                Map.of("rotor.verifier.clusters.staging.metrics-source", "scrape")))
        .isEmpty();
  }

  @Test
  void everyWrongValueIsReportedNamingItsKey() {
    List<String> problems =
        problems(
            Map.of(
                "rotor.verifier.metrics.min-data-share", "1.5",
                "rotor.verifier.scrape.port", "0",
                "rotor.verifier.scrape.scheme", "ftp",
                "rotor.verifier.rollback.interval", "PT0S",
                "rotor.verifier.outbox.quarantine-after", "-PT1M",
                "rotor.verifier.outbox.keep-sent", "PT59M",
                "rotor.verifier.outbox.purge-interval", "PT59S",
                "rotor.verifier.processed-events.keep", "P90D",
                "rotor.verifier.processed-events.purge-interval", "PT59S",
                "rotor.verifier.clusters.Staging_1.in-cluster", "true"));

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).startsWith("rotor.verifier.metrics.min-data-share:"))
        .anySatisfy(p -> assertThat(p).startsWith("rotor.verifier.scrape.port:"))
        .anySatisfy(p -> assertThat(p).startsWith("rotor.verifier.scrape.scheme:"))
        .anySatisfy(p -> assertThat(p).startsWith("rotor.verifier.rollback.interval:"))
        .anySatisfy(p -> assertThat(p).startsWith("rotor.verifier.outbox.quarantine-after:"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo("rotor.verifier.outbox.keep-sent: must be at least PT1H; got PT59M"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "rotor.verifier.outbox.purge-interval: must be at least PT1M; got PT59S"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "rotor.verifier.processed-events.keep: must be at least P98D (the event"
                            + " topics keep records 90 days, up to 97 as Kafka deletes whole"
                            + " segments); got PT2160H"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("rotor.verifier.processed-events.purge-interval: must be at least"))
        .anySatisfy(p -> assertThat(p).startsWith("rotor.verifier.clusters.Staging_1:"));
  }

  @Test
  void aMinimumRateWindowTooShortForTwoScrapesIsRefusedNamingItsKey() {
    assertThat(problems(Map.of("rotor.verifier.metrics.min-rate-window", "PT0.5S")))
        .containsExactly(
            "rotor.verifier.metrics.min-rate-window: must be at least PT1S (rate() needs two"
                + " scrapes in its range), got PT0.5S");
    assertThat(problems(Map.of("rotor.verifier.metrics.min-rate-window", "PT15S"))).isEmpty();
  }

  @Test
  void aVerifierWithoutClustersIsRefused() {
    SmallRyeConfig config =
        config(Map.of("rotor.verifier.prometheus.url", "http://prometheus:9090"));

    assertThat(ConfigChecks.problems(config.getConfigMapping(VerifierConfig.class)))
        .singleElement()
        .asString()
        .startsWith("rotor.verifier.clusters: configure at least one cluster");
  }

  private static List<String> problems(Map<String, String> overrides) {
    return problemsWithout(null, overrides);
  }

  private static List<String> problemsWithout(String removed, Map<String, String> overrides) {
    Map<String, String> settings = new HashMap<>();
    settings.put("rotor.verifier.prometheus.url", "http://prometheus:9090");
    settings.put("rotor.verifier.clusters.staging.in-cluster", "true");
    if (removed != null) {
      settings.remove(removed);
    }
    settings.putAll(overrides);
    return ConfigChecks.problems(config(settings).getConfigMapping(VerifierConfig.class));
  }

  private static SmallRyeConfig config(Map<String, String> settings) {
    return new SmallRyeConfigBuilder()
        .withMapping(VerifierConfig.class)
        .withSources(new PropertiesConfigSource(settings, "test", 100))
        .build();
  }
}
