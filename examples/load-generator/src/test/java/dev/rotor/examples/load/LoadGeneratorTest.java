package dev.rotor.examples.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
  private final FakeSecretsService.Store store = new FakeSecretsService.Store();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stopInstances() throws Exception {
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  @Test
  void writesAndReadsBackEveryPayloadThroughHealthyInstancesWithoutFailures() throws Exception {
    FakeSecretsService a = instance("aaaaaaaa", "aaaaaaaa");
    FakeSecretsService b = instance("aaaaaaaa", "aaaaaaaa");

    LoadReport report =
        LoadGenerator.builder()
            .targets(List.of(a.baseUrl(), b.baseUrl()))
            .maxWrites(40)
            .build()
            .run();

    assertThat(report.writes()).isEqualTo(40);
    assertThat(report.writesOk()).isEqualTo(40);
    // Each round reads its own payload back and, from the second round on, one earlier payload.
    assertThat(report.reads()).isBetween(40L + 38, 80L);
    assertThat(report.readsOk()).isEqualTo(report.reads());
    assertThat(report.clean()).isTrue();
    assertThat(store.rows).hasSize(40);
  }

  @Test
  void readsEachNewPayloadBackThroughAnotherInstanceThanTheOneThatWroteIt() throws Exception {
    FakeSecretsService a = instance("aaaaaaaa", "aaaaaaaa");
    FakeSecretsService b = instance("aaaaaaaa", "aaaaaaaa");
    FakeSecretsService c = instance("aaaaaaaa", "aaaaaaaa");
    LoadGenerator generator =
        LoadGenerator.builder()
            .targets(List.of(a.baseUrl(), b.baseUrl(), c.baseUrl()))
            .workers(1)
            .maxWrites(30)
            .build();

    generator.run();

    Map<URI, FakeSecretsService> byUrl = Map.of(a.baseUrl(), a, b.baseUrl(), b, c.baseUrl(), c);
    assertThat(generator.written()).hasSize(30);
    for (WrittenPayload payload : generator.written()) {
      // The first read of a payload is the read-back right after the write.
      FakeSecretsService firstReader =
          byUrl.values().stream()
              .filter(
                  instance ->
                      instance.served().stream()
                          .anyMatch(s -> s.method().equals("GET") && s.id().equals(payload.id())))
              .min(
                  Comparator.comparingLong(
                      instance ->
                          instance.served().stream()
                              .filter(s -> s.method().equals("GET") && s.id().equals(payload.id()))
                              .mapToLong(FakeSecretsService.Served::sequence)
                              .min()
                              .orElseThrow()))
              .orElseThrow();
      assertThat(firstReader).isNotSameAs(byUrl.get(payload.writtenThrough()));
    }
    assertThat(a.served()).anyMatch(served -> served.method().equals("POST"));
    assertThat(b.served()).anyMatch(served -> served.method().equals("POST"));
    assertThat(c.served()).anyMatch(served -> served.method().equals("POST"));
  }

  @Test
  void countsDecryptFailuresWithTheKeyIdTheServiceNames() throws Exception {
    FakeSecretsService old = instance("aaaaaaaa", "aaaaaaaa");
    FakeSecretsService replaced = instance("bbbbbbbb", "bbbbbbbb");

    LoadReport report =
        LoadGenerator.builder()
            .targets(List.of(old.baseUrl(), replaced.baseUrl()))
            .workers(1)
            .maxWrites(20)
            .build()
            .run();

    assertThat(report.decryptFailures()).isGreaterThanOrEqualTo(20);
    assertThat(report.failedKeyIds()).containsExactlyInAnyOrder("aaaaaaaa", "bbbbbbbb");
    assertThat(report.wrongPlaintexts()).isZero();
    assertThat(report.httpErrors()).isZero();
    assertThat(report.clean()).isFalse();
    assertThat(report.summary()).contains("key ids [aaaaaaaa, bbbbbbbb]");
  }

  @Test
  void countsAWrongPlaintextAsADecryptFailure() throws Exception {
    FakeSecretsService garbling = instance("aaaaaaaa", "aaaaaaaa");
    garbling.garbleReads();

    LoadReport report =
        LoadGenerator.builder().target(garbling.baseUrl()).maxWrites(5).build().run();

    assertThat(report.wrongPlaintexts()).isEqualTo(report.reads()).isPositive();
    assertThat(report.decryptFailures()).isEqualTo(report.reads());
    assertThat(report.readsOk()).isZero();
  }

  @Test
  void countsOtherStatusesAsHttpErrorsAndRefusedConnectionsAsTransportErrors() throws Exception {
    FakeSecretsService faulty = instance("aaaaaaaa", "aaaaaaaa");
    faulty.forceStatus(503);
    URI nobodyListens = URI.create("http://127.0.0.1:" + freePort());

    LoadReport report =
        LoadGenerator.builder()
            .targets(List.of(faulty.baseUrl(), nobodyListens))
            .workers(1)
            .maxWrites(10)
            .build()
            .run();

    assertThat(report.writes()).isEqualTo(10);
    assertThat(report.writesOk()).isZero();
    assertThat(report.httpErrors()).isEqualTo(5);
    assertThat(report.transportErrors()).isEqualTo(5);
    assertThat(report.decryptFailures()).isZero();
    assertThat(report.failureSamples()).anyMatch(sample -> sample.contains("HTTP 503"));
  }

  @Test
  void stopsByItselfWhenItsDurationIsOver() throws Exception {
    FakeSecretsService a = instance("aaaaaaaa", "aaaaaaaa");
    LoadGenerator generator =
        LoadGenerator.builder()
            .target(a.baseUrl())
            .duration(Duration.ofMillis(300))
            .pause(Duration.ofMillis(5))
            .build()
            .start();

    assertThat(generator.awaitCompletion(Duration.ofSeconds(10))).isPresent();
    assertThat(generator.isRunning()).isFalse();
    assertThat(generator.report().writesOk()).isPositive();
    assertThat(generator.report().elapsed())
        .isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
  }

  @Test
  void aRemovedInstanceGetsNoRequestOnceDrainedAndAnAddedOneGetsLoad() throws Exception {
    FakeSecretsService leaving = instance("aaaaaaaa", "aaaaaaaa");
    FakeSecretsService staying = instance("aaaaaaaa", "aaaaaaaa");
    FakeSecretsService joining = instance("aaaaaaaa", "aaaaaaaa");
    try (LoadGenerator generator =
        LoadGenerator.builder()
            .targets(List.of(leaving.baseUrl(), staying.baseUrl()))
            .duration(Duration.ofSeconds(60))
            .pause(Duration.ofMillis(2))
            .build()
            .start()) {
      awaitWrites(generator, 10);

      assertThat(generator.removeTarget(leaving.baseUrl(), Duration.ofSeconds(10))).isTrue();
      int servedWhenDrained = leaving.served().size();
      generator.addTarget(joining.baseUrl());
      long writesBefore = generator.report().writes();
      awaitWrites(generator, writesBefore + 20);
      LoadReport report = generator.stop();

      assertThat(leaving.served()).hasSize(servedWhenDrained);
      assertThat(joining.served()).anyMatch(served -> served.method().equals("POST"));
      assertThat(generator.targets()).containsExactly(staying.baseUrl(), joining.baseUrl());
      assertThat(report.clean()).isTrue();
    }
  }

  @Test
  void readingBackChecksEveryPayloadWrittenBefore() throws Exception {
    FakeSecretsService a = instance("aaaaaaaa", "aaaaaaaa", "bbbbbbbb");
    LoadGenerator generator = LoadGenerator.builder().target(a.baseUrl()).maxWrites(15).build();
    generator.run();
    store.rows.values().stream().limit(3).forEach(row -> row[0] = "cccccccc");

    LoadReport readBack = generator.readBack(generator.written());

    assertThat(readBack.reads()).isEqualTo(15);
    assertThat(readBack.readsOk()).isEqualTo(12);
    assertThat(readBack.decryptFailures()).isEqualTo(3);
    assertThat(readBack.failedKeyIds()).containsExactly("cccccccc");
    assertThat(readBack.writes()).isZero();
  }

  @Test
  void theCommandLinePrintsOneSummaryLineAndExitsNonZeroWhenSomethingFailed() throws Exception {
    FakeSecretsService healthy = instance("aaaaaaaa", "aaaaaaaa");
    FakeSecretsService newOnly = instance("bbbbbbbb", "bbbbbbbb");

    Run clean = main("--target", healthy.baseUrl().toString(), "--count", "5");
    Run failing =
        main(
            "--target",
            healthy.baseUrl().toString(),
            "--target",
            newOnly.baseUrl().toString(),
            "--count",
            "6",
            "--workers",
            "1");
    Run usage = main("--count", "5");

    assertThat(clean.code()).isZero();
    assertThat(clean.out().lines().toList())
        .singleElement()
        .asString()
        .startsWith("load-generator: 5 writes (5 ok), ")
        .contains(" 0 decrypt failures, 0 HTTP errors, 0 transport errors, 1 instances");
    assertThat(failing.code()).isEqualTo(1);
    assertThat(failing.out()).contains("key ids [");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("targets: give at least one base URL").contains("usage:");
  }

  @Test
  void aRunWithoutABoundIsRefused() {
    assertThatThrownBy(() -> LoadGenerator.builder().target(URI.create("http://x")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give a bound");
  }

  private record Run(int code, String out, String err) {}

  private static Run main(String... args) throws InterruptedException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        LoadGeneratorMain.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private FakeSecretsService instance(String keyId, String... readable) throws IOException {
    FakeSecretsService instance = new FakeSecretsService(store, keyId, List.of(readable));
    toClose.add(instance);
    return instance;
  }

  private static void awaitWrites(LoadGenerator generator, long writes) {
    await().atMost(Duration.ofSeconds(20)).until(() -> generator.report().writesOk() >= writes);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
