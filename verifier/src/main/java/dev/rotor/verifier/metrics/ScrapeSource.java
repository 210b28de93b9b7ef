package dev.rotor.verifier.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.plan.VerificationSpec;
import dev.rotor.verifier.Texts;
import dev.rotor.verifier.metrics.ExpositionFormat.Sample;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Reads the pods' own metrics endpoints ({@code /q/metrics}), for where no Prometheus runs (the
 * embedded default). It computes what the default PromQL queries compute, from the counters it
 * scrapes: the 5xx share and the p99 ({@link HistogramQuantile}) of {@code
 * http_server_requests_seconds} from the difference to an earlier scrape of the same pod, the
 * latest that is at least one check interval old (like a PromQL range of that width, with no
 * minimum: it takes differences of its own scrapes; its whole life at the first scrape), and the
 * increase of {@code secrets_decrypt_failures_total} since the soak's first scrape (the pods' whole
 * lives then), added up scrape by scrape, so that, as with the default query's {@code {window}}, no
 * failure between two checks is missed and the count is the soak's, also of pods that are gone. A
 * counter that went down means the pod restarted, as in PromQL's {@code rate}: its whole value
 * counts.
 *
 * <p>It has no history: no baseline, and checks a stopped verifier missed are covered by the next
 * difference. It evaluates no PromQL: a plan with its own queries is read with the default
 * semantics, and the evidence says so.
 */
public final class ScrapeSource implements MetricsSource {
  private static final Logger LOG = Logger.getLogger(ScrapeSource.class);
  private static final TypeReference<Map<String, List<Snapshot>>> SNAPSHOTS =
      new TypeReference<>() {};

  /** The metric names and label this source reads. */
  public record Names(String requestMetric, String statusLabel, String decryptFailuresMetric) {}

  private final PodDirectory pods;
  private final Names names;
  private final Duration timeout;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  public ScrapeSource(PodDirectory pods, Names names, Duration timeout, HttpClient http) {
    this.pods = pods;
    this.names = names;
    this.timeout = timeout;
    this.http = http;
  }

  @Override
  public String describe() {
    return "direct scrape of the pods' metrics endpoints";
  }

  @Override
  public boolean hasHistory() {
    return false;
  }

  @Override
  public Baseline baseline(StageTarget target, Instant from, Instant to) {
    return Baseline.read(Map.of());
  }

  @Override
  public MetricsReading read(StageTarget target, Instant at, String previousState) {
    State state = parseState(previousState);
    Map<String, List<Snapshot>> previous = state.snapshots();
    Map<String, List<Snapshot>> next = new LinkedHashMap<>();
    Map<String, DecryptTally> tallies = new LinkedHashMap<>();
    Map<String, Map<MetricKind, MetricValue>> values = new LinkedHashMap<>();
    String custom = customQueries(target.spec());
    long now = at.toEpochMilli();
    long window = Math.max(1, target.window().toMillis());
    for (String deployment : target.deployments()) {
      List<Snapshot> history = previous.getOrDefault(deployment, List.of());
      Map<String, PodCounters> before = base(history, now - window);
      Map<String, PodCounters> scraped = new TreeMap<>();
      DecryptTally tally = state.decrypt().getOrDefault(deployment, new DecryptTally());
      Map<MetricKind, MetricValue> byKind =
          readDeployment(target, deployment, before, scraped, tally);
      tallies.put(deployment, tally);
      if (custom != null) {
        byKind.replaceAll(
            (kind, value) -> value.hasData() ? MetricValue.of(value.value(), custom) : value);
      }
      values.put(deployment, byKind);
      List<Snapshot> kept = new ArrayList<>();
      for (Snapshot snapshot : history) {
        // Keep what a later reading may still use as its base: up to two windows back.
        if (snapshot.at() >= now - 2 * window) {
          kept.add(snapshot);
        }
      }
      if (kept.isEmpty() && !history.isEmpty()) {
        kept.add(history.get(history.size() - 1));
      }
      if (!scraped.isEmpty()) {
        kept.add(new Snapshot(now, scraped));
      }
      next.put(deployment, kept);
    }
    return new MetricsReading(at, values, writeState(new State(next, tallies)));
  }

  /**
   * What the source keeps between readings of a soak.
   *
   * @param snapshots per Deployment, the scrapes a later reading may take differences to
   * @param decrypt per Deployment, the decrypt failures counted since the soak's first scrape
   */
  public record State(Map<String, List<Snapshot>> snapshots, Map<String, DecryptTally> decrypt) {
    public State {
      snapshots = snapshots == null ? Map.of() : snapshots;
      decrypt = decrypt == null ? Map.of() : decrypt;
    }
  }

  /**
   * The decrypt failures of a Deployment since the soak's first scrape.
   *
   * <p>{@code total}: the failures counted, of every pod seen, also of pods that are gone; {@code
   * lastByPod}: each pod's counter (by pod uid) at its last scrape.
   */
  public static final class DecryptTally {
    public double total;
    public Map<String, Double> lastByPod = new TreeMap<>();

    /**
     * Counts what a pod's counter, now {@code value}, rose by since its last scrape: all of it at
     * its first scrape, and after a restart (the counter went down).
     */
    void add(String uid, double value) {
      Double last = lastByPod.put(uid, value);
      total += last == null || value < last ? value : value - last;
    }
  }

  /**
   * The counters to take differences to: the latest snapshot taken at or before {@code notAfter},
   * else the oldest one; none before the first scrape (then the pods' whole lives count).
   */
  private static Map<String, PodCounters> base(List<Snapshot> history, long notAfter) {
    Snapshot base = null;
    for (Snapshot snapshot : history) {
      if (snapshot.at() <= notAfter) {
        base = snapshot;
      }
    }
    if (base == null && !history.isEmpty()) {
      base = history.get(0);
    }
    return base == null ? Map.of() : base.pods();
  }

  /** The counters of a Deployment's pods at one moment (epoch milliseconds). */
  public record Snapshot(long at, Map<String, PodCounters> pods) {}

  private Map<MetricKind, MetricValue> readDeployment(
      StageTarget target,
      String deployment,
      Map<String, PodCounters> before,
      Map<String, PodCounters> now,
      DecryptTally tally) {
    Map<MetricKind, MetricValue> byKind = new EnumMap<>(MetricKind.class);
    List<PodDirectory.Endpoint> endpoints;
    try {
      endpoints = pods.endpoints(target.namespace(), deployment);
    } catch (RuntimeException e) {
      return allNoData("cannot list the pods: " + e.getMessage());
    }
    if (endpoints.isEmpty()) {
      return allNoData("no running pods of " + deployment);
    }
    List<String> failures = new ArrayList<>();
    PodCounters delta = new PodCounters();
    for (PodDirectory.Endpoint endpoint : endpoints) {
      PodCounters current;
      try {
        current = scrape(endpoint);
      } catch (ScrapeException e) {
        failures.add(endpoint.pod() + ": " + e.getMessage());
        continue;
      }
      now.put(endpoint.uid(), current);
      delta.add(current.since(before.get(endpoint.uid())));
      if (current.hasDecrypt) {
        tally.add(endpoint.uid(), current.decrypt);
      }
    }
    if (now.isEmpty()) {
      return allNoData("scrape failed: " + Texts.listed(failures, "; ", "pod(s) failed"));
    }
    String note =
        failures.isEmpty()
            ? null
            : (endpoints.size() - failures.size())
                + " of "
                + endpoints.size()
                + " pods read; "
                + Texts.listed(failures, "; ", "pod(s) failed");
    if (!delta.hasRequests) {
      byKind.put(
          MetricKind.ERROR_RATE,
          MetricValue.noData("no series " + names.requestMetric() + "_count"));
      byKind.put(
          MetricKind.LATENCY, MetricValue.noData("no series " + names.requestMetric() + "_bucket"));
    } else if (delta.requests == 0) {
      byKind.put(MetricKind.ERROR_RATE, MetricValue.noData("no requests (0/0)"));
      byKind.put(MetricKind.LATENCY, MetricValue.noData("no requests"));
    } else {
      byKind.put(MetricKind.ERROR_RATE, MetricValue.of(delta.errors / delta.requests, note));
      byKind.put(
          MetricKind.LATENCY,
          delta.buckets.isEmpty()
              ? MetricValue.noData("no series " + names.requestMetric() + "_bucket")
              : MetricValue.of(HistogramQuantile.of(0.99, byBound(delta.buckets)), note));
    }
    // Failures counted stay counted, also when the series is gone now (a restarted pod).
    byKind.put(
        MetricKind.DECRYPT_FAILURES,
        delta.hasDecrypt || tally.total > 0
            ? MetricValue.of(tally.total, note)
            : MetricValue.noData("no series " + names.decryptFailuresMetric()));
    return byKind;
  }

  private PodCounters scrape(PodDirectory.Endpoint endpoint) {
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(endpoint.url())
                  .timeout(timeout)
                  .header("Accept", "text/plain;version=0.0.4")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new ScrapeException("unreachable (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ScrapeException("interrupted");
    }
    if (response.statusCode() != 200) {
      throw new ScrapeException("HTTP " + response.statusCode());
    }
    List<Sample> samples;
    try {
      samples = ExpositionFormat.parse(response.body());
    } catch (ExpositionFormat.FormatException e) {
      throw new ScrapeException("not the Prometheus text format: " + e.getMessage());
    }
    PodCounters counters = new PodCounters();
    String count = names.requestMetric() + "_count";
    String bucket = names.requestMetric() + "_bucket";
    for (Sample sample : samples) {
      if (sample.name().equals(count)) {
        counters.hasRequests = true;
        counters.requests += sample.value();
        String status = sample.label(names.statusLabel());
        if (status != null && status.startsWith("5")) {
          counters.errors += sample.value();
        }
      } else if (sample.name().equals(bucket) && sample.label("le") != null) {
        counters.buckets.merge(sample.label("le"), sample.value(), Double::sum);
      } else if (sample.name().equals(names.decryptFailuresMetric())) {
        counters.hasDecrypt = true;
        counters.decrypt += sample.value();
      }
    }
    return counters;
  }

  private String customQueries(VerificationSpec spec) {
    VerificationSpec defaults = VerificationSpec.DEFAULT;
    boolean custom =
        !spec.errorRateQuery().equals(defaults.errorRateQuery())
            || !spec.latencyQuery().equals(defaults.latencyQuery())
            || !spec.decryptFailuresQuery().equals(defaults.decryptFailuresQuery());
    if (!custom) {
      return null;
    }
    LOG.debugf(
        "ROTOR-4043 the plan has its own PromQL queries; the direct scrape reads %s and %s with"
            + " the default semantics",
        names.requestMetric(), names.decryptFailuresMetric());
    return "direct scrape: default semantics over "
        + names.requestMetric()
        + " and "
        + names.decryptFailuresMetric()
        + ", not the plan's query";
  }

  private static Map<MetricKind, MetricValue> allNoData(String why) {
    Map<MetricKind, MetricValue> byKind = new EnumMap<>(MetricKind.class);
    for (MetricKind kind : MetricKind.values()) {
      byKind.put(kind, MetricValue.noData(why));
    }
    return byKind;
  }

  private static Map<Double, Double> byBound(Map<String, Double> buckets) {
    Map<Double, Double> byBound = new TreeMap<>();
    buckets.forEach(
        (le, count) -> {
          double bound =
              switch (le) {
                case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
                default -> {
                  try {
                    yield Double.parseDouble(le);
                  } catch (NumberFormatException e) {
                    yield Double.NaN;
                  }
                }
              };
          if (!Double.isNaN(bound)) {
            byBound.merge(bound, count, Double::sum);
          }
        });
    return byBound;
  }

  /**
   * The stored state; that of a verifier before the decrypt tally (the snapshots alone) is read
   * too, its tally then starting over from the pods' whole lives: more failures, never fewer.
   */
  private State parseState(String state) {
    if (state == null || state.isBlank()) {
      return new State(Map.of(), Map.of());
    }
    try {
      JsonNode tree = json.readTree(state);
      if (tree.path("snapshots").isObject()) {
        return json.treeToValue(tree, State.class);
      }
      return new State(json.convertValue(tree, SNAPSHOTS), Map.of());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      LOG.warnf(
          "ROTOR-4044 the stored scrape state is unreadable; starting over: %s",
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
      return new State(Map.of(), Map.of());
    }
  }

  private String writeState(State state) {
    try {
      return json.writeValueAsString(state);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the scrape state", e);
    }
  }

  /** The counters of one pod, cumulative (a scrape) or a difference. */
  public static final class PodCounters {
    public boolean hasRequests;
    public double requests;
    public double errors;
    public Map<String, Double> buckets = new TreeMap<>();
    public boolean hasDecrypt;
    public double decrypt;

    /**
     * What changed since {@code earlier}; the whole value where a counter went down (a restart).
     */
    PodCounters since(PodCounters earlier) {
      PodCounters d = new PodCounters();
      d.hasRequests = hasRequests;
      d.hasDecrypt = hasDecrypt;
      if (earlier == null) {
        d.requests = requests;
        d.errors = errors;
        d.buckets.putAll(buckets);
        d.decrypt = decrypt;
        return d;
      }
      boolean reset = requests < earlier.requests || errors < earlier.errors;
      d.requests = reset ? requests : requests - earlier.requests;
      d.errors = reset ? errors : errors - earlier.errors;
      boolean bucketReset =
          reset
              || buckets.entrySet().stream()
                  .anyMatch(e -> e.getValue() < earlier.buckets.getOrDefault(e.getKey(), 0.0));
      buckets.forEach(
          (le, count) ->
              d.buckets.put(
                  le, bucketReset ? count : count - earlier.buckets.getOrDefault(le, 0.0)));
      d.decrypt = decrypt < earlier.decrypt ? decrypt : decrypt - earlier.decrypt;
      return d;
    }

    void add(PodCounters other) {
      hasRequests |= other.hasRequests;
      hasDecrypt |= other.hasDecrypt;
      requests += other.requests;
      errors += other.errors;
      other.buckets.forEach((le, count) -> buckets.merge(le, count, Double::sum));
      decrypt += other.decrypt;
    }
  }

  private static final class ScrapeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ScrapeException(String message) {
      super(message, null, false, false);
    }
  }
}
