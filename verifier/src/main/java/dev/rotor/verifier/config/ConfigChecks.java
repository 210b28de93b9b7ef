package dev.rotor.verifier.config;

import dev.rotor.common.retention.BatchedPurge;
import dev.rotor.verifier.config.VerifierConfig.MetricsSourceKind;
import io.quarkus.runtime.Startup;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Refuses to start with a configuration that cannot work, naming every key that is wrong (one
 * problem per line), before the verifier consumes anything.
 */
@Startup
@Singleton
public class ConfigChecks {
  private static final Logger LOG = Logger.getLogger(ConfigChecks.class);
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final String P = "rotor.verifier.";

  @Inject
  ConfigChecks(VerifierConfig config) {
    List<String> problems = problems(config);
    if (!problems.isEmpty()) {
      String text = String.join("\n", problems);
      LOG.errorf("ROTOR-4001 the verifier's configuration is invalid:\n%s", text);
      throw new IllegalStateException("invalid configuration:\n" + text);
    }
  }

  /** Every problem of {@code config}, each naming its key. */
  static List<String> problems(VerifierConfig config) {
    List<String> problems = new ArrayList<>();
    if (config.tick().isNegative() || config.tick().isZero()) {
      problems.add(P + "tick: must be positive");
    }
    double share = config.metrics().minDataShare();
    if (!(share >= 0 && share <= 1)) {
      problems.add(P + "metrics.min-data-share: must be between 0 and 1, got " + share);
    }
    if (config.metrics().minRateWindow().compareTo(Duration.ofSeconds(1)) < 0) {
      problems.add(
          P
              + "metrics.min-rate-window: must be at least PT1S (rate() needs two scrapes in its"
              + " range), got "
              + config.metrics().minRateWindow());
    }
    if (config.prometheus().token().isPresent() && config.prometheus().tokenFile().isPresent()) {
      problems.add(P + "prometheus.token: set token or token-file, not both");
    }
    if (config.prometheus().timeout().isNegative() || config.prometheus().timeout().isZero()) {
      problems.add(P + "prometheus.timeout: must be positive");
    }
    VerifierConfig.Scrape scrape = config.scrape();
    if (scrape.port() < 1 || scrape.port() > 65535) {
      problems.add(P + "scrape.port: must be a port (1-65535), got " + scrape.port());
    }
    if (!scrape.path().startsWith("/")) {
      problems.add(P + "scrape.path: must start with /");
    }
    if (!scrape.scheme().equals("http") && !scrape.scheme().equals("https")) {
      problems.add(P + "scrape.scheme: must be http or https");
    }
    double floor = config.baseline().minErrorRate();
    if (!(floor >= 0 && floor <= 1)) {
      problems.add(P + "baseline.min-error-rate: must be between 0 and 1, got " + floor);
    }
    if (config.baseline().minLatency().isNegative()) {
      problems.add(P + "baseline.min-latency: must not be negative");
    }
    if (config.logs().limitBytes() < 1) {
      problems.add(P + "logs.limit-bytes: must be positive");
    }
    if (config.logs().maxEvidenceLines() < 0) {
      problems.add(P + "logs.max-evidence-lines: must not be negative");
    }
    if (config.logs().maxLineLength() < 20) {
      problems.add(P + "logs.max-line-length: must be at least 20");
    }
    if (config.pods().clockSkew().isNegative()) {
      problems.add(P + "pods.clock-skew: must not be negative");
    }
    if (config.rollback().checkDuration().isNegative()) {
      problems.add(P + "rollback.check-duration: must not be negative");
    }
    if (config.rollback().interval().isNegative() || config.rollback().interval().isZero()) {
      problems.add(P + "rollback.interval: must be positive");
    }
    if (config.outbox().maxAttempts() < 1) {
      problems.add(P + "outbox.max-attempts: must be at least 1");
    }
    if (config.outbox().quarantineAfter().isNegative()) {
      problems.add(P + "outbox.quarantine-after: must not be negative");
    }
    if (config.outbox().keepSent().compareTo(java.time.Duration.ofHours(1)) < 0) {
      problems.add(
          P + "outbox.keep-sent: must be at least PT1H; got " + config.outbox().keepSent());
    }
    if (config.processedEvents().keep().compareTo(BatchedPurge.REDELIVERY_HORIZON) < 0) {
      problems.add(
          P
              + "processed-events.keep: must be at least P98D (the event topics keep records 90"
              + " days, up to 97 as Kafka deletes whole segments); got "
              + config.processedEvents().keep());
    }
    if (config.processedEvents().purgeInterval().compareTo(java.time.Duration.ofMinutes(1)) < 0) {
      problems.add(
          P
              + "processed-events.purge-interval: must be at least PT1M; got "
              + config.processedEvents().purgeInterval());
    }
    if (config.outbox().purgeInterval().compareTo(java.time.Duration.ofMinutes(1)) < 0) {
      problems.add(
          P
              + "outbox.purge-interval: must be at least PT1M; got "
              + config.outbox().purgeInterval());
    }
    if (config.clusters().isEmpty()) {
      problems.add(
          P
              + "clusters: configure at least one cluster (rotor.verifier.clusters.<name>.master-url,"
              + " .kubeconfig-context or .in-cluster)");
    }
    for (Map.Entry<String, VerifierConfig.Cluster> entry : config.clusters().entrySet()) {
      String key = P + "clusters." + entry.getKey() + ".";
      VerifierConfig.Cluster cluster = entry.getValue();
      if (!DNS_LABEL.matcher(entry.getKey()).matches()) {
        problems.add(
            P + "clusters." + entry.getKey() + ": the name must be a DNS label, as in the plan");
      }
      int ways =
          (cluster.masterUrl().isPresent() ? 1 : 0)
              + (cluster.kubeconfigContext().isPresent() ? 1 : 0)
              + (cluster.inCluster() ? 1 : 0);
      if (ways != 1) {
        problems.add(
            key + "master-url: set exactly one of master-url, kubeconfig-context, in-cluster");
      }
      if (cluster.masterUrl().isEmpty()
          && (cluster.token().isPresent()
              || cluster.tokenFile().isPresent()
              || cluster.caCertFile().isPresent())) {
        problems.add(key + "token: token, token-file and ca-cert-file go with master-url");
      }
      if (cluster.token().isPresent() && cluster.tokenFile().isPresent()) {
        problems.add(key + "token: set token or token-file, not both");
      }
      if (cluster.kubeconfigFile().isPresent() && cluster.kubeconfigContext().isEmpty()) {
        problems.add(key + "kubeconfig-file: goes with kubeconfig-context");
      }
      MetricsSourceKind kind = cluster.metricsSource().orElse(config.metrics().source());
      if (kind == MetricsSourceKind.PROMETHEUS
          && cluster.prometheusUrl().isEmpty()
          && config.prometheus().url().isEmpty()) {
        problems.add(
            key
                + "prometheus-url: the cluster reads Prometheus, but neither it nor"
                + " rotor.verifier.prometheus.url names one");
      }
    }
    return problems;
  }
}
