package dev.rotor.verifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import dev.rotor.common.plan.VerificationSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The direct scrape against pods served over real HTTP, with the text a Micrometer pod serves. */
class ScrapeSourceTest {
  static final StageTarget TARGET =
      new StageTarget(
          "embedded", "shop", List.of("checkout"), VerificationSpec.DEFAULT, Duration.ofMillis(1));

  private final Map<String, String> served = new ConcurrentHashMap<>();
  private HttpServer server;
  private ScrapeSource source;

  @BeforeEach
  void startPods() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body = served.get(exchange.getRequestURI().getPath());
          byte[] bytes = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    PodDirectory pods =
        (namespace, deployment) ->
            List.of(
                new PodDirectory.Endpoint("checkout-a", "uid-a", URI.create(base + "/a")),
                new PodDirectory.Endpoint("checkout-b", "uid-b", URI.create(base + "/b")));
    source =
        new ScrapeSource(
            pods,
            new ScrapeSource.Names(
                "http_server_requests_seconds", "status", "secrets_decrypt_failures_total"),
            Duration.ofSeconds(5),
            HttpClient.newHttpClient());
  }

  @AfterEach
  void stopPods() {
    server.stop(0);
  }

  @Test
  void computesTheErrorShareP99AndDecryptFailuresFromTheDifferenceToThePreviousScrape() {
    served.put("/a", pod(100, 0, 90, 100, 0));
    served.put("/b", pod(100, 0, 90, 100, 0));
    MetricsReading first = source.read(TARGET, Instant.now(), null);
    served.put("/a", pod(200, 50, 90, 200, 2));
    served.put("/b", pod(200, 50, 90, 200, 1));

    MetricsReading second = source.read(TARGET, Instant.now(), first.state());

    assertThat(second.value("checkout", MetricKind.ERROR_RATE).value())
        .isCloseTo(0.5, within(1e-9));
    // Of the 200 new requests none was under 0.1 s: the p99 is in the (0.1, 1] bucket.
    assertThat(second.value("checkout", MetricKind.LATENCY).value()).isCloseTo(0.991, within(1e-9));
    assertThat(second.value("checkout", MetricKind.DECRYPT_FAILURES).value()).isEqualTo(3.0);
  }

  /**
   * A check every few minutes must not miss the failures between two checks, and {@code
   * maxDecryptFailures} holds for the soak: the count is the soak's, not the last interval's, also
   * across a restart that reset a pod's counter.
   */
  @Test
  void decryptFailuresAreCountedSinceTheSoaksFirstScrapeAcrossChecksAndRestarts() {
    served.put("/a", pod(100, 0, 100, 100, 0));
    served.put("/b", pod(100, 0, 100, 100, 0));
    MetricsReading first = source.read(TARGET, Instant.now(), null);
    served.put("/a", pod(200, 0, 200, 200, 2));
    MetricsReading second = source.read(TARGET, Instant.now(), first.state());
    served.put("/b", pod(200, 0, 200, 200, 1));
    MetricsReading third = source.read(TARGET, Instant.now(), second.state());
    // Pod b restarted: its counter starts over, its failure stays counted.
    served.put("/b", pod(10, 0, 10, 10, 0));

    MetricsReading fourth = source.read(TARGET, Instant.now(), third.state());

    assertThat(first.value("checkout", MetricKind.DECRYPT_FAILURES).value()).isZero();
    assertThat(second.value("checkout", MetricKind.DECRYPT_FAILURES).value()).isEqualTo(2.0);
    assertThat(third.value("checkout", MetricKind.DECRYPT_FAILURES).value()).isEqualTo(3.0);
    assertThat(fourth.value("checkout", MetricKind.DECRYPT_FAILURES).value()).isEqualTo(3.0);
  }

  @Test
  void theStateOfAVerifierBeforeTheTallyIsReadCountingThePodsWholeLives() {
    served.put("/a", pod(200, 0, 200, 200, 4));
    served.put("/b", pod(200, 0, 200, 200, 0));
    String stored =
        "{\"checkout\":[{\"at\":1,\"pods\":{\"uid-a\":{\"hasRequests\":true,"
            + "\"requests\":100.0,\"errors\":0.0,\"buckets\":{},\"hasDecrypt\":true,"
            + "\"decrypt\":3.0}}}]}";

    MetricsReading reading = source.read(TARGET, Instant.now(), stored);

    assertThat(reading.value("checkout", MetricKind.DECRYPT_FAILURES).value()).isEqualTo(4.0);
    assertThat(reading.value("checkout", MetricKind.ERROR_RATE).value()).isZero();
  }

  @Test
  void aCounterThatWentDownIsARestartedPodWhoseWholeValueCounts() {
    served.put("/a", pod(1000, 0, 1000, 1000, 0));
    served.put("/b", pod(10, 0, 10, 10, 0));
    MetricsReading first = source.read(TARGET, Instant.now(), null);
    served.put("/a", pod(20, 10, 20, 20, 0));

    MetricsReading second = source.read(TARGET, Instant.now(), first.state());

    assertThat(second.value("checkout", MetricKind.ERROR_RATE).value())
        .isCloseTo(0.5, within(1e-9));
  }

  @Test
  void noRequestsSinceTheLastScrapeIsNoDataNeverZero() {
    served.put("/a", pod(100, 0, 100, 100, 0));
    served.put("/b", pod(100, 0, 100, 100, 0));
    MetricsReading first = source.read(TARGET, Instant.now(), null);

    MetricsReading second = source.read(TARGET, Instant.now(), first.state());

    assertThat(second.value("checkout", MetricKind.ERROR_RATE).hasData()).isFalse();
    assertThat(second.value("checkout", MetricKind.ERROR_RATE).note())
        .isEqualTo("no requests (0/0)");
    assertThat(second.value("checkout", MetricKind.DECRYPT_FAILURES).value()).isZero();
  }

  @Test
  void aPodWithoutTheSeriesGivesNoDataAndAnUnreachablePodIsNamed() {
    served.put("/a", "# no series here\njvm_threads_live_threads 12.0\n");

    MetricsReading reading = source.read(TARGET, Instant.now(), null);

    assertThat(reading.value("checkout", MetricKind.ERROR_RATE).note())
        .isEqualTo("no series http_server_requests_seconds_count");
    assertThat(reading.value("checkout", MetricKind.DECRYPT_FAILURES).note())
        .isEqualTo("no series secrets_decrypt_failures_total");
    served.put("/a", pod(10, 1, 10, 10, 0));
    assertThat(
            source
                .read(TARGET, Instant.now(), null)
                .value("checkout", MetricKind.ERROR_RATE)
                .note())
        .isEqualTo("1 of 2 pods read; checkout-b: HTTP 404");
  }

  /** Every replica unreachable: the note names the first few, so that a verdict fits an event. */
  @Test
  void aScrapeOfManyFailingPodsNamesTheFirstFewAndHowManyMore() {
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    List<PodDirectory.Endpoint> endpoints = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      endpoints.add(
          new PodDirectory.Endpoint("checkout-" + i, "uid-" + i, URI.create(base + "/gone")));
    }
    ScrapeSource many =
        new ScrapeSource(
            (namespace, deployment) -> endpoints,
            new ScrapeSource.Names(
                "http_server_requests_seconds", "status", "secrets_decrypt_failures_total"),
            Duration.ofSeconds(5),
            HttpClient.newHttpClient());

    String note =
        many.read(TARGET, Instant.now(), null).value("checkout", MetricKind.ERROR_RATE).note();

    assertThat(note)
        .startsWith("scrape failed: checkout-0: HTTP 404; checkout-1: HTTP 404")
        .endsWith("; and 40 more pod(s) failed");
  }

  /**
   * A pod's /q/metrics: {@code ok} 200s and {@code failed} 500s, of which {@code fast} took up to
   * 0.1 s and the rest up to 1 s; {@code decrypt} decrypt failures.
   */
  private static String pod(int total, int failed, int fast, int upTo1s, int decrypt) {
    int ok = total - failed;
    return String.join(
        "\n",
        "# TYPE http_server_requests_seconds histogram",
        "http_server_requests_seconds_count{method=\"GET\",status=\"200\",uri=\"/payloads\",} "
            + ok
            + ".0",
        "http_server_requests_seconds_count{method=\"GET\",status=\"500\",uri=\"/payloads\",} "
            + failed
            + ".0",
        "http_server_requests_seconds_bucket{status=\"200\",le=\"0.1\",} "
            + Math.min(fast, ok)
            + ".0",
        "http_server_requests_seconds_bucket{status=\"200\",le=\"1.0\",} "
            + Math.min(upTo1s, ok)
            + ".0",
        "http_server_requests_seconds_bucket{status=\"200\",le=\"+Inf\",} " + ok + ".0",
        "http_server_requests_seconds_bucket{status=\"500\",le=\"0.1\",} "
            + Math.max(0, fast - ok)
            + ".0",
        "http_server_requests_seconds_bucket{status=\"500\",le=\"1.0\",} "
            + Math.max(0, upTo1s - ok)
            + ".0",
        "http_server_requests_seconds_bucket{status=\"500\",le=\"+Inf\",} " + failed + ".0",
        "secrets_decrypt_failures_total{key_id=\"99f59ac9\",} " + decrypt + ".0",
        "");
  }
}
