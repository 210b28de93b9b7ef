package dev.rotor.verifier.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The verifier's configuration. Every key is documented in {@code docs/verifier.md}; {@link
 * ConfigChecks} refuses to start with a value that cannot work, naming the key.
 */
@ConfigMapping(prefix = "rotor.verifier")
public interface VerifierConfig {

  /**
   * How often the scheduler looks for soak checks that are due (a check runs at most this late).
   */
  @WithDefault("PT1S")
  Duration tick();

  /** Where the metrics of a stage come from, unless a cluster says otherwise. */
  Metrics metrics();

  /** The Prometheus HTTP API, for clusters whose metrics source is {@code prometheus}. */
  Prometheus prometheus();

  /** Direct scrape of the pods' metrics endpoints, for clusters whose source is {@code scrape}. */
  Scrape scrape();

  /** The pre-rotation baseline that values are compared with. */
  Baseline baseline();

  /** Reading the new pods' logs. */
  Logs logs();

  /** The pods of the Deployments. */
  Pods pods();

  /** The short check after a cluster rolled back. */
  Rollback rollback();

  /** The outbox of events decided but not yet acknowledged by Kafka. */
  Outbox outbox();

  /** The record of the events processed (table {@code processed_event}). */
  ProcessedEvents processedEvents();

  /**
   * The clusters the verifier reads, by the name the plan's stages use: {@code
   * rotor.verifier.clusters.<name>.*}. A stage on a cluster that is not configured here is
   * inconclusive.
   */
  Map<String, Cluster> clusters();

  /** Where the metrics of a stage come from. */
  interface Metrics {
    /** {@code prometheus} (the Prometheus HTTP API, the default) or {@code scrape}. */
    @WithDefault("prometheus")
    MetricsSourceKind source();

    /**
     * Share of a stage's checks (0 to 1) in which each metric must have had a value; below it the
     * verdict is inconclusive.
     */
    @WithDefault("0.8")
    double minDataShare();

    /**
     * The shortest range the verifier fills into a query's {@code {window}}: error rate and latency
     * are read over the check interval, but not less than this, since {@code rate()} needs at least
     * two scrapes in its range. At least two of the workload's scrape intervals; at least {@code
     * PT1S}. The direct scrape takes differences of its own scrapes and needs no minimum.
     */
    @WithDefault("PT1M")
    Duration minRateWindow();
  }

  /** Kinds of metrics source. */
  enum MetricsSourceKind {
    /** The Prometheus HTTP API ({@code /api/v1/query}, {@code /api/v1/query_range}). */
    PROMETHEUS,
    /** The pods' own metrics endpoints, scraped by the verifier. */
    SCRAPE
  }

  /** The Prometheus HTTP API. */
  interface Prometheus {
    /**
     * Base URL, e.g. {@code http://prometheus.monitoring:9090}; per cluster: {@code
     * prometheus-url}.
     */
    Optional<URI> url();

    /**
     * Bearer token sent with every query (a Secret mounted as a file is better: {@code
     * token-file}).
     */
    Optional<String> token();

    /** File holding the bearer token, read for every query (so a rotated token is picked up). */
    Optional<Path> tokenFile();

    /** Timeout of one query. */
    @WithDefault("PT10S")
    Duration timeout();
  }

  /** Direct scrape of the pods' metrics endpoints. */
  interface Scrape {
    /** Port scraped when a pod has no {@code prometheus.io/port} annotation. */
    @WithDefault("8080")
    int port();

    /** Path scraped when a pod has no {@code prometheus.io/path} annotation. */
    @WithDefault("/q/metrics")
    String path();

    /** {@code http} or {@code https}, when a pod has no {@code prometheus.io/scheme} annotation. */
    @WithDefault("http")
    String scheme();

    /** Timeout of one scrape. */
    @WithDefault("PT5S")
    Duration timeout();

    /** The request histogram (Micrometer's): {@code <name>_count}, {@code <name>_bucket}. */
    @WithDefault("http_server_requests_seconds")
    String requestMetric();

    /** The label of the request histogram that holds the HTTP status. */
    @WithDefault("status")
    String statusLabel();

    /** The counter of decrypt failures. */
    @WithDefault("secrets_decrypt_failures_total")
    String decryptFailuresMetric();
  }

  /** The pre-rotation baseline. */
  interface Baseline {
    /**
     * Error rate below which a value is never a breach of the baseline bound (the absolute bound
     * still applies): a baseline of 0 would otherwise fail a stage for one error.
     */
    @WithDefault("0.001")
    double minErrorRate();

    /** p99 latency below which a value is never a breach of the baseline bound. */
    @WithDefault("PT0.1S")
    Duration minLatency();
  }

  /** Reading the new pods' logs. */
  interface Logs {
    /** At most this many bytes of one container's log are read per check. */
    @WithDefault("8388608")
    long limitBytes();

    /** At most this many log lines are quoted in a verdict's evidence. */
    @WithDefault("10")
    int maxEvidenceLines();

    /** A quoted log line is cut to this many characters. */
    @WithDefault("300")
    int maxLineLength();
  }

  /** The pods of the Deployments. */
  interface Pods {
    /**
     * How far a pod's start (the API server's clock) may precede the rollout's start (the
     * cluster-agent's clock) before the pod counts as stale.
     */
    @WithDefault("PT2S")
    Duration clockSkew();
  }

  /** The check after a cluster rolled back. */
  interface Rollback {
    /**
     * How long the pods are watched after {@code rollback.completed} before the rollback counts.
     */
    @WithDefault("PT1M")
    Duration checkDuration();

    /** Time between two checks of a rollback. */
    @WithDefault("PT10S")
    Duration interval();
  }

  /** The record of the events processed. */
  interface ProcessedEvents {
    /**
     * How long the id of a processed event is kept. It is what makes a redelivery change nothing,
     * so it must outlive the event in its topic: the event topics keep records 90 days, an event is
     * processed after it was written, so at least {@code P98D} ({@code
     * BatchedPurge.REDELIVERY_HORIZON}).
     */
    @WithDefault("P100D")
    Duration keep();

    /** How often ids older than {@code keep} are purged (the first run at start-up). */
    @WithDefault("PT1H")
    Duration purgeInterval();
  }

  /** The outbox. */
  interface Outbox {
    /** How long a send to Kafka may take before it is retried later. */
    @WithDefault("PT10S")
    Duration sendTimeout();

    /**
     * Failed sends of one event in a row, for a reason not known to be transient, after which it is
     * quarantined so that the events after it go out, once {@code quarantine-after} has passed too
     * (a timeout or an unreachable broker never counts; an event that cannot be decoded or that
     * Kafka refuses for good is quarantined at once).
     */
    @WithDefault("10")
    int maxAttempts();

    /**
     * How long after the first of those failures an event is quarantined at the earliest, so that a
     * short failure every event meets alike (events are sent after every record and tick) does not
     * quarantine the first ones; {@code PT0S} quarantines on the count alone.
     */
    @WithDefault("PT5M")
    Duration quarantineAfter();

    /**
     * How long a sent event stays in the outbox before it is purged. A sent row only keeps {@code
     * Outbox.add} from writing an event twice, and every decision that writes one is guarded by the
     * verifier's own state (processed events, soaks, verdicts, the rotation's outcome), which the
     * purge leaves alone. At least {@code PT1H}.
     */
    @WithDefault("P7D")
    Duration keepSent();

    /**
     * How often sent events older than {@code keep-sent} are purged (the first run at start-up).
     */
    @WithDefault("PT1H")
    Duration purgeInterval();
  }

  /**
   * One cluster. Set exactly one of {@code master-url}, {@code kubeconfig-context}, {@code
   * in-cluster}.
   */
  interface Cluster {
    /** The API server's URL, e.g. {@code https://api.staging.example.com:6443}. */
    Optional<URI> masterUrl();

    /** A bearer token for {@code master-url} (prefer {@code token-file}). */
    Optional<String> token();

    /**
     * File holding a bearer token for {@code master-url}, re-read when the client authenticates.
     */
    Optional<Path> tokenFile();

    /** PEM file of the CA that signed the API server's certificate. */
    Optional<Path> caCertFile();

    /** Skip the API server's certificate check (never in production). */
    @WithDefault("false")
    boolean trustCerts();

    /** A context of the kubeconfig file ({@code kubeconfig-file}, else {@code ~/.kube/config}). */
    Optional<String> kubeconfigContext();

    /** The kubeconfig file for {@code kubeconfig-context}. */
    Optional<Path> kubeconfigFile();

    /**
     * Use the client Quarkus configures ({@code quarkus.kubernetes-client.*}: in a pod, the
     * verifier's own service account), for the cluster the verifier runs in.
     */
    @WithDefault("false")
    boolean inCluster();

    /** The metrics source of this cluster; default {@code rotor.verifier.metrics.source}. */
    Optional<MetricsSourceKind> metricsSource();

    /** This cluster's Prometheus; default {@code rotor.verifier.prometheus.url}. */
    Optional<URI> prometheusUrl();
  }
}
