package dev.rotor.verifier.metrics;

import dev.rotor.verifier.cluster.KubernetesPodDirectory;
import dev.rotor.verifier.config.VerifierConfig;
import dev.rotor.verifier.config.VerifierConfig.MetricsSourceKind;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The metrics source of each cluster, as configured: Prometheus (default) or direct scrape. */
@ApplicationScoped
public class MetricsSources {
  @Inject VerifierConfig config;

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final Map<URI, PrometheusSource> prometheus = new ConcurrentHashMap<>();
  private final Map<String, ScrapeSource> scrape = new ConcurrentHashMap<>();

  /** The kind of source {@code cluster} uses. */
  public MetricsSourceKind kindOf(String cluster) {
    VerifierConfig.Cluster settings = config.clusters().get(cluster);
    return settings == null
        ? config.metrics().source()
        : settings.metricsSource().orElse(config.metrics().source());
  }

  /** The source of {@code cluster}, whose API {@code client} reaches (for the scrape's pods). */
  public MetricsSource forCluster(String cluster, KubernetesClient client) {
    if (kindOf(cluster) == MetricsSourceKind.SCRAPE) {
      return scrape.computeIfAbsent(
          cluster,
          name ->
              new ScrapeSource(
                  new KubernetesPodDirectory(client, config.scrape()),
                  new ScrapeSource.Names(
                      config.scrape().requestMetric(),
                      config.scrape().statusLabel(),
                      config.scrape().decryptFailuresMetric()),
                  config.scrape().timeout(),
                  http));
    }
    URI url =
        prometheusUrlOf(cluster)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no Prometheus for cluster "
                            + cluster
                            + ": set rotor.verifier.prometheus.url"));
    return prometheus(url);
  }

  /** Every Prometheus a configured cluster reads, for the readiness check. */
  public List<PrometheusSource> configuredPrometheus() {
    Set<URI> urls = new LinkedHashSet<>();
    config
        .clusters()
        .keySet()
        .forEach(
            cluster -> {
              if (kindOf(cluster) == MetricsSourceKind.PROMETHEUS) {
                prometheusUrlOf(cluster).ifPresent(urls::add);
              }
            });
    return urls.stream().map(this::prometheus).toList();
  }

  private Optional<URI> prometheusUrlOf(String cluster) {
    VerifierConfig.Cluster settings = config.clusters().get(cluster);
    Optional<URI> own = settings == null ? Optional.empty() : settings.prometheusUrl();
    return own.or(() -> config.prometheus().url());
  }

  private PrometheusSource prometheus(URI url) {
    return prometheus.computeIfAbsent(
        url, u -> new PrometheusSource(u, token(), config.prometheus().timeout(), http));
  }

  private Supplier<Optional<String>> token() {
    VerifierConfig.Prometheus settings = config.prometheus();
    return () -> {
      if (settings.tokenFile().isPresent()) {
        try {
          return Optional.of(
              Files.readString(settings.tokenFile().get(), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
          throw new UncheckedIOException(
              "rotor.verifier.prometheus.token-file: cannot read " + settings.tokenFile().get(), e);
        }
      }
      return settings.token();
    };
  }
}
