package dev.rotor.verifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.rotor.common.event.Reasons.Verification;
import dev.rotor.common.plan.Thresholds;
import dev.rotor.common.plan.VerificationSpec;
import dev.rotor.testsupport.PrometheusServer;
import dev.rotor.verifier.soak.Finding;
import dev.rotor.verifier.soak.SoakJudge;
import dev.rotor.verifier.soak.SoakProgress;
import dev.rotor.verifier.soak.SoakRules;
import dev.rotor.verifier.store.SoakKind;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The default decrypt-failure query against a real Prometheus that scrapes a pod's counter every
 * second: a soak checked every 3 s, with one failure in each of its three intervals. The checks are
 * evaluated afterwards at their scheduled times, as the verifier does for a source with history.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusSourceTest {
  static final Duration INTERVAL = Duration.ofSeconds(3);

  private final AtomicInteger failures = new AtomicInteger();
  private HttpServer pod;
  private PrometheusServer prometheus;
  private PrometheusSource source;
  private Instant soakStart;
  private Instant rollbackStart;

  @BeforeAll
  void soakWithAFailureInEachInterval() throws IOException {
    pod = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    pod.createContext(
        "/q/metrics",
        exchange -> {
          byte[] body =
              ("# TYPE secrets_decrypt_failures_total counter\n"
                      + "secrets_decrypt_failures_total{key_id=\"99f59ac9\"} "
                      + failures.get()
                      + ".0\n")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    pod.start();
    prometheus =
        PrometheusServer.start(
            List.of(
                new PrometheusServer.Target(
                    "127.0.0.1:" + pod.getAddress().getPort(),
                    "/q/metrics",
                    PrometheusServer.labels("namespace", "shop", "deployment", "checkout"))));
    prometheus.awaitTargetsUp(Duration.ofSeconds(60));
    source =
        new PrometheusSource(
            prometheus.url(), Optional::empty, Duration.ofSeconds(10), HttpClient.newHttpClient());
    await("a few scrapes before the soak")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                prometheus.query("count_over_time(secrets_decrypt_failures_total[10s])").orElse(0.0)
                    >= 3);

    soakStart = Instant.now();
    pauseUntil(soakStart.plusMillis(1500));
    failures.incrementAndGet(); // in the first interval
    pauseUntil(soakStart.plusMillis(3500));
    rollbackStart = Instant.now();
    pauseUntil(soakStart.plusMillis(5000));
    failures.incrementAndGet(); // in the second interval
    pauseUntil(soakStart.plusMillis(7500));
    failures.incrementAndGet(); // in the third
    // Until Prometheus scraped past the last check.
    pauseUntil(soakStart.plusSeconds(12));
  }

  @AfterAll
  void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (pod != null) {
      pod.stop(0);
    }
  }

  @Test
  void aFailureBeforeTheLastIntervalIsStillCountedAtTheSoaksLastCheck() {
    StageTarget target = target(soakStart);
    Instant last = soakStart.plus(INTERVAL.multipliedBy(3));

    MetricValue value = value(target, last);

    assertThat(value.hasData()).as("%s", value).isTrue();
    assertThat(value.value()).as("every failure of the soak").isGreaterThanOrEqualTo(3.0);
  }

  @Test
  void maxDecryptFailuresIsJudgedAgainstTheSoaksTotalNotEachChecksShare() {
    StageTarget target = target(soakStart);
    SoakRules rules = rules(2);
    SoakProgress progress = new SoakProgress();
    List<Finding> found = new ArrayList<>();

    for (int check = 1; check <= 3; check++) {
      Instant at = soakStart.plus(INTERVAL.multipliedBy(check));
      SoakJudge.metrics(progress, source.read(target, at, null), target, rules)
          .ifPresent(found::add);
    }

    assertThat(found)
        .as("one failure per interval, three in the soak, two tolerated")
        .isNotEmpty()
        .allSatisfy(f -> assertThat(f.reason()).isEqualTo(Verification.DECRYPT_FAILURES));
    assertThat(progress.series(MetricKind.DECRYPT_FAILURES, "checkout").query)
        .contains("deployment=\"checkout\"}[9s]");
  }

  @Test
  void aRollbackCheckCountsOnlyTheFailuresSinceItStarted() {
    Instant at = soakStart.plus(INTERVAL.multipliedBy(3));
    StageTarget target =
        target(rollbackStart).lookingBackAtMost(Duration.between(rollbackStart, at));

    MetricValue value = value(target, at);

    assertThat(value.hasData()).as("%s", value).isTrue();
    assertThat(value.value())
        .as("the second and third failures only")
        .isGreaterThanOrEqualTo(2.0)
        .isLessThan(3.0);
  }

  /** The pod serves no request metrics: Prometheus answers, without data, and that is final. */
  @Test
  void aBaselineWithoutDataIsReadAndHoldsNoValue() {
    Baseline baseline = source.baseline(target(soakStart), soakStart.minusSeconds(10), soakStart);

    assertThat(baseline.isRead()).as("%s", baseline).isTrue();
    assertThat(baseline.values().get("checkout")).isEmpty();
  }

  @Test
  void aBaselineOfConstantQueriesIsTheirMean() {
    StageTarget target =
        new StageTarget(
            "prom",
            "shop",
            List.of("checkout"),
            new VerificationSpec(
                "vector(0.02)",
                "vector(0.3)",
                "vector(0)",
                Duration.ofSeconds(10),
                List.of(),
                List.of()),
            INTERVAL,
            soakStart);

    Baseline baseline = source.baseline(target, soakStart.minusSeconds(10), soakStart);

    assertThat(baseline.isRead()).isTrue();
    assertThat(baseline.values().get("checkout"))
        .containsEntry(MetricKind.ERROR_RATE, 0.02)
        .containsEntry(MetricKind.LATENCY, 0.3);
  }

  /**
   * A query Prometheus refuses as invalid is an answer: asking again would not help, and the checks
   * of that query have no data anyway (and say why).
   */
  @Test
  void aBaselineQueryRefusedAsInvalidIsReadWithoutThatValue() {
    StageTarget target =
        new StageTarget(
            "prom",
            "shop",
            List.of("checkout"),
            new VerificationSpec(
                "sum(rate(http_server_requests_seconds_count[5s]",
                "vector(0.3)",
                "vector(0)",
                Duration.ofSeconds(10),
                List.of(),
                List.of()),
            INTERVAL,
            soakStart);

    Baseline baseline = source.baseline(target, soakStart.minusSeconds(10), soakStart);

    assertThat(baseline.isRead()).as("%s", baseline).isTrue();
    assertThat(baseline.values().get("checkout"))
        .doesNotContainKey(MetricKind.ERROR_RATE)
        .containsEntry(MetricKind.LATENCY, 0.3);
  }

  /** A Prometheus that does not answer is not one without data: the baseline is not read. */
  @Test
  void aBaselinePrometheusDidNotAnswerIsFailedNotEmpty() throws IOException {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    PrometheusSource away =
        new PrometheusSource(
            java.net.URI.create("http://127.0.0.1:" + closed + "/"),
            Optional::empty,
            Duration.ofSeconds(2),
            HttpClient.newHttpClient());

    Baseline baseline = away.baseline(target(soakStart), soakStart.minusSeconds(10), soakStart);

    assertThat(baseline.isRead()).isFalse();
    assertThat(baseline.values()).isEmpty();
    assertThat(baseline.failure())
        .startsWith("the baseline query of error-rate of checkout: Prometheus unreachable");
  }

  private MetricValue value(StageTarget target, Instant at) {
    return source.read(target, at, null).value("checkout", MetricKind.DECRYPT_FAILURES);
  }

  private static StageTarget target(Instant since) {
    return new StageTarget(
        "prom", "shop", List.of("checkout"), VerificationSpec.DEFAULT, INTERVAL, since);
  }

  private static SoakRules rules(long maxDecryptFailures) {
    Thresholds d = Thresholds.DEFAULT;
    return new SoakRules(
        SoakKind.STAGE,
        new Thresholds(
            d.maxErrorRate(),
            d.maxP99Latency(),
            d.maxBaselineFactor(),
            maxDecryptFailures,
            d.failureLimit(),
            INTERVAL,
            null),
        List.of(),
        List.of(),
        0.8,
        0.001,
        0.1,
        10,
        3);
  }

  private static void pauseUntil(Instant when) {
    await()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .atMost(Duration.ofSeconds(30))
        .until(() -> !Instant.now().isBefore(when));
  }
}
