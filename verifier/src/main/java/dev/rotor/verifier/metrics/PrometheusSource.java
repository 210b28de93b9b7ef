package dev.rotor.verifier.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The Prometheus HTTP API: instant queries ({@code /api/v1/query} with {@code time=}) for the
 * checks, range queries ({@code /api/v1/query_range}) for the baseline.
 *
 * <p>An empty result, NaN, a rejected query or an unreachable server is no data with the reason. A
 * query that returns several series (a template without {@code sum}) is judged by its highest
 * value, and the evidence says so. For the baseline, only an answer is final (without data, or a
 * query Prometheus refuses as invalid, HTTP 400): a query Prometheus did not answer (unreachable,
 * timed out, 5xx, 422) leaves the baseline unread ({@link Baseline#failed}).
 */
public final class PrometheusSource implements MetricsSource {

  /** Points of a baseline range query; the step follows from the window. */
  static final int BASELINE_POINTS = 120;

  private final URI baseUrl;
  private final Supplier<Optional<String>> token;
  private final Duration timeout;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  public PrometheusSource(
      URI baseUrl, Supplier<Optional<String>> token, Duration timeout, HttpClient http) {
    String text = baseUrl.toString();
    this.baseUrl = URI.create(text.endsWith("/") ? text : text + "/");
    this.token = token;
    this.timeout = timeout;
    this.http = http;
  }

  @Override
  public String describe() {
    return "prometheus " + baseUrl.resolve("/");
  }

  @Override
  public boolean hasHistory() {
    return true;
  }

  /** The base URL queries go to. */
  public URI baseUrl() {
    return baseUrl;
  }

  @Override
  public MetricsReading read(StageTarget target, Instant at, String previousState) {
    Map<String, Map<MetricKind, MetricValue>> values = new LinkedHashMap<>();
    for (String deployment : target.deployments()) {
      Map<MetricKind, MetricValue> byKind = new EnumMap<>(MetricKind.class);
      for (MetricKind kind : MetricKind.values()) {
        byKind.put(kind, query(target.query(kind, deployment, at), at));
      }
      values.put(deployment, byKind);
    }
    return new MetricsReading(at, values, null);
  }

  @Override
  public Baseline baseline(StageTarget target, Instant from, Instant to) {
    Map<String, Map<MetricKind, Double>> baselines = new LinkedHashMap<>();
    for (String deployment : target.deployments()) {
      Map<MetricKind, Double> byKind = new EnumMap<>(MetricKind.class);
      for (MetricKind kind : MetricKind.values()) {
        if (kind.hasBaseline()) {
          try {
            rangeMean(target.query(kind, deployment, to), from, to)
                .ifPresent(mean -> byKind.put(kind, mean));
          } catch (QueryException e) {
            if (e.invalidQuery) {
              // Prometheus answered: the query is wrong, and so every check of it (no data,
              // naming why). Asking again would not help.
              continue;
            }
            // Not "no data": one failed query leaves the whole baseline unread, to be read again.
            return Baseline.failed(
                "the baseline query of "
                    + kind.check()
                    + " of "
                    + deployment
                    + ": "
                    + e.getMessage());
          }
        }
      }
      baselines.put(deployment, byKind);
    }
    return Baseline.read(baselines);
  }

  /** Whether Prometheus answers its readiness endpoint. */
  public boolean ready() {
    try {
      HttpResponse<Void> response =
          http.send(request(baseUrl.resolve("-/ready")), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The value of an instant query at {@code at}. */
  public MetricValue query(String promql, Instant at) {
    URI uri =
        baseUrl.resolve(
            "api/v1/query?query="
                + encode(promql)
                + "&time="
                + seconds(at)
                + "&timeout="
                + seconds(timeout));
    JsonNode data;
    try {
      data = call(uri);
    } catch (QueryException e) {
      return MetricValue.noData(e.getMessage());
    }
    String resultType = data.path("resultType").asText();
    JsonNode result = data.path("result");
    if (resultType.equals("scalar")) {
      return MetricValue.of(sampleValue(result));
    }
    if (!resultType.equals("vector")) {
      return MetricValue.noData("the query returned a " + resultType + ", not a single value");
    }
    if (result.isEmpty()) {
      return MetricValue.noData("empty result");
    }
    double highest = Double.NaN;
    int finite = 0;
    for (JsonNode series : result) {
      double value = sampleValue(series.path("value"));
      if (!Double.isNaN(value)) {
        finite++;
        highest = Double.isNaN(highest) ? value : Math.max(highest, value);
      }
    }
    if (finite == 0) {
      return MetricValue.noData("NaN");
    }
    return MetricValue.of(
        highest, result.size() > 1 ? result.size() + " series; the highest counts" : null);
  }

  /**
   * The mean over time (of the highest series at each point), empty when Prometheus had no data.
   *
   * @throws QueryException when Prometheus did not answer: unreachable, timed out, refused
   */
  private Optional<Double> rangeMean(String promql, Instant from, Instant to) {
    Duration window = Duration.between(from, to);
    if (window.isNegative() || window.isZero()) {
      return Optional.empty();
    }
    long stepSeconds = Math.max(1, window.toSeconds() / BASELINE_POINTS);
    URI uri =
        baseUrl.resolve(
            "api/v1/query_range?query="
                + encode(promql)
                + "&start="
                + seconds(from)
                + "&end="
                + seconds(to)
                + "&step="
                + stepSeconds
                + "&timeout="
                + seconds(timeout));
    JsonNode data = call(uri);
    // The highest series at each time, then the mean over time.
    Map<String, Double> highestAt = new TreeMap<>();
    for (JsonNode series : data.path("result")) {
      for (JsonNode point : series.path("values")) {
        double value = sampleValue(point);
        if (Double.isFinite(value)) {
          highestAt.merge(point.path(0).asText(), value, Math::max);
        }
      }
    }
    return highestAt.isEmpty()
        ? Optional.empty()
        : Optional.of(
            highestAt.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
  }

  private JsonNode call(URI uri) {
    HttpResponse<String> response;
    try {
      response = http.send(request(uri), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.UncheckedIOException e) {
      throw new QueryException(e.getMessage());
    } catch (IOException e) {
      throw new QueryException("Prometheus unreachable: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QueryException("interrupted");
    }
    JsonNode body;
    try {
      body = json.readTree(response.body());
    } catch (IOException e) {
      throw new QueryException(
          "Prometheus answered HTTP " + response.statusCode() + " without JSON");
    }
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      String errorType = body.path("errorType").asText("error");
      throw new QueryException(
          "query rejected (HTTP "
              + response.statusCode()
              + ", "
              + errorType
              + "): "
              + truncate(body.path("error").asText("no reason given"), 200),
          response.statusCode() == 400 && errorType.equals("bad_data"));
    }
    return body.path("data");
  }

  private HttpRequest request(URI uri) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET();
    token.get().ifPresent(value -> builder.header("Authorization", "Bearer " + value));
    return builder.build();
  }

  /** A sample {@code [time, "value"]}. */
  private static double sampleValue(JsonNode sample) {
    String text = sample.path(1).asText("NaN");
    return switch (text) {
      case "NaN" -> Double.NaN;
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          yield Double.NaN;
        }
      }
    };
  }

  private static String seconds(Instant at) {
    return BigDecimal.valueOf(at.getEpochSecond())
        .add(BigDecimal.valueOf(at.getNano(), 9))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%ds", Math.max(1, duration.toSeconds()));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }

  /** Why a query gave no answer. */
  private static final class QueryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Whether Prometheus refused the query itself (HTTP 400, bad_data): asking again won't help.
     */
    final boolean invalidQuery;

    QueryException(String message) {
      this(message, false);
    }

    QueryException(String message, boolean invalidQuery) {
      super(message, null, false, false);
      this.invalidQuery = invalidQuery;
    }
  }
}
