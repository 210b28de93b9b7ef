package dev.rotor.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.rotor.cli.Rotorctl;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** rotorctl status against a ledger that pages its records, newest first. */
class StatusFromLedgerTest {
  private HttpServer ledger;
  private final List<String> queries = new ArrayList<>();
  private final List<String> records = new ArrayList<>();
  private boolean countsServed = true;

  @BeforeEach
  void start() throws IOException {
    // 25 records newest first: the 20 newest ended, the 21st is still rolling out.
    for (int i = 0; i < 25; i++) {
      boolean ended = i != 20;
      records.add(record(i, ended ? "COMPLETED" : "ROLLING_OUT", ended));
    }
    ledger = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ledger.createContext(
        "/ledger/rotations",
        exchange -> {
          Map<String, String> query = new HashMap<>();
          String raw = exchange.getRequestURI().getRawQuery();
          queries.add(raw);
          for (String pair : raw == null ? new String[0] : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(kv[0], kv.length > 1 ? kv[1] : "");
          }
          String path = exchange.getRequestURI().getPath();
          if (path.startsWith("/ledger/rotations/")) {
            String id = path.substring("/ledger/rotations/".length());
            String one =
                records.stream()
                    .filter(r -> r.contains("\"rotationId\":\"" + id + "\""))
                    .findFirst()
                    .orElseThrow();
            byte[] body = one.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
            return;
          }
          int limit = Integer.parseInt(query.getOrDefault("limit", "50"));
          int offset = Integer.parseInt(query.getOrDefault("offset", "0"));
          // The ledger filters by state before it pages (GET /ledger/rotations?state=).
          List<String> matching =
              records.stream()
                  .filter(
                      r ->
                          !countsServed // an older ledger ignores state
                              || query.get("state") == null
                              || state(r).equals(query.get("state")))
                  .toList();
          List<String> page =
              matching.subList(
                  Math.min(offset, matching.size()), Math.min(offset + limit, matching.size()));
          byte[] body = ("[" + String.join(",", page) + "]").getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    // GET /ledger/rotation-counts: one count of each state (absent from an older ledger: 404).
    ledger.createContext(
        "/ledger/rotation-counts",
        exchange -> {
          queries.add(exchange.getRequestURI().getPath());
          if (!countsServed) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
          }
          Map<String, Long> byState =
              records.stream()
                  .collect(
                      java.util.stream.Collectors.groupingBy(
                          StatusFromLedgerTest::state, java.util.stream.Collectors.counting()));
          byte[] body =
              String.format(
                      "{\"targetId\":null,\"total\":%d,\"inFlight\":%d,\"ended\":%d,"
                          + "\"unrequested\":%d,\"byStatus\":{}}",
                      records.size(),
                      byState.getOrDefault("in-flight", 0L),
                      byState.getOrDefault("ended", 0L),
                      byState.getOrDefault("unrequested", 0L))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    ledger.start();
  }

  /** The ledger's state of a record: unrequested, ended or in-flight. */
  private static String state(String record) {
    if (record.contains("\"status\":\"UNREQUESTED\"")) {
      return "unrequested";
    }
    return record.contains("\"endedAt\"") ? "ended" : "in-flight";
  }

  private static String record(int i, String status, boolean ended) {
    String time = String.format("2026-11-%02dT10:00:00Z", 26 - i);
    return "{\"rotationId\":\"r"
        + i
        + "\",\"targetId\":\"ns/secret\",\"status\":\""
        + status
        + "\","
        + (status.equals("UNREQUESTED")
            ? ""
            : "\"requestedBy\":\"alice\",\"requestedAt\":\"" + time + "\",")
        + "\"updatedAt\":\""
        + time
        + "\""
        + (ended ? ",\"endedAt\":\"" + time + "\"" : "")
        + "}";
  }

  @AfterEach
  void stop() {
    ledger.stop(0);
  }

  @Test
  void inFlightFindsARotationOlderThanTheNewestEndedOnes() {
    Rotorctl.Result result =
        Rotorctl.run(
            "status",
            "--in-flight",
            "--limit",
            "10",
            "--ledger-url",
            "http://127.0.0.1:" + ledger.getAddress().getPort());

    assertThat(result.exitCode()).isZero();
    assertThat(result.output()).contains("r20").doesNotContain("No rotation in flight");
    assertThat(result.output().lines().filter(line -> line.startsWith("r"))).hasSize(1);
  }

  @Test
  void inFlightLeavesOutRotationsNobodyRequestedAndSaysHowManyItLeftOut() {
    // The ledger holds events of r2 and r5 (a forged approval, a stray rollout) but no request.
    records.set(2, record(2, "UNREQUESTED", false));
    records.set(5, record(5, "UNREQUESTED", false));
    String url = "http://127.0.0.1:" + ledger.getAddress().getPort();

    Rotorctl.Result inFlight =
        Rotorctl.run("status", "--in-flight", "--limit", "10", "--ledger-url", url);

    assertThat(inFlight.exitCode()).isZero();
    assertThat(inFlight.output().lines().filter(line -> line.startsWith("r")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("r20 ");
    assertThat(inFlight.errorOutput())
        .contains("ROTOR-7205 left out 2 rotation(s)")
        .contains("no rotation.requested");

    Rotorctl.Result all = Rotorctl.run("status", "--limit", "10", "--ledger-url", url);
    assertThat(all.output().lines().filter(line -> line.startsWith("r2 ")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("unrequested");
    assertThat(all.errorOutput()).doesNotContain("ROTOR-7205");
  }

  @Test
  void inFlightFindsARotationBehindMoreThanFiftyPagesOfEndedAndUnrequestedOnes() {
    // 700 records newest first, every other one unrequested, the rest ended, but r650 in flight:
    // more than 50 pages of --limit 10 in front of it.
    records.clear();
    for (int i = 0; i < 700; i++) {
      records.add(
          i == 650
              ? record(i, "ROLLING_OUT", false)
              : i % 2 == 0 ? record(i, "UNREQUESTED", false) : record(i, "COMPLETED", true));
    }
    String url = "http://127.0.0.1:" + ledger.getAddress().getPort();

    Rotorctl.Result result =
        Rotorctl.run("status", "--in-flight", "--limit", "10", "--ledger-url", url);

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    assertThat(result.output().lines().filter(line -> line.startsWith("r")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("r650 ");
    // The ledger filters and counts: one count and one page, not 700 records read.
    assertThat(queries).hasSize(2);
    assertThat(queries).anySatisfy(query -> assertThat(query).contains("state=in-flight"));
    assertThat(result.errorOutput()).contains("ROTOR-7205 left out 349 rotation(s)");
  }

  @Test
  void inFlightCountsEveryUnrequestedRotationTheLedgerHoldsNotOnlyThoseOnThePagesItRead() {
    // 600 rotations nobody requested, newest first; one in flight among them.
    records.clear();
    for (int i = 0; i < 600; i++) {
      records.add(i == 3 ? record(i, "APPROVED", false) : record(i, "UNREQUESTED", false));
    }
    String url = "http://127.0.0.1:" + ledger.getAddress().getPort();

    Rotorctl.Result result =
        Rotorctl.run("status", "--in-flight", "--limit", "10", "--ledger-url", url);

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    assertThat(result.output()).contains("r3 ");
    assertThat(result.errorOutput()).contains("ROTOR-7205 left out 599 rotation(s)");
  }

  @Test
  void aLedgerThatCannotFilterIsStillReadPageByPageForRotationsInFlight() {
    // A ledger older than state= and /ledger/rotation-counts: it ignores state, counts answer 404.
    countsServed = false;
    records.set(2, record(2, "UNREQUESTED", false));
    String url = "http://127.0.0.1:" + ledger.getAddress().getPort();

    Rotorctl.Result result =
        Rotorctl.run("status", "--in-flight", "--limit", "10", "--ledger-url", url);

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    assertThat(result.output().lines().filter(line -> line.startsWith("r")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("r20 ");
    assertThat(result.errorOutput()).contains("ROTOR-7205 left out 1 rotation(s)");
  }

  @Test
  void inFlightSaysHowManyMoreRotationsAreInFlightThanItShows() {
    records.clear();
    for (int i = 0; i < 12; i++) {
      records.add(record(i, "ROLLING_OUT", false));
    }
    String url = "http://127.0.0.1:" + ledger.getAddress().getPort();

    Rotorctl.Result result =
        Rotorctl.run("status", "--in-flight", "--limit", "10", "--ledger-url", url);

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    assertThat(result.output().lines().filter(line -> line.startsWith("r"))).hasSize(10);
    assertThat(result.errorOutput())
        .contains("ROTOR-7206 10 of the 12 rotations in flight shown; --limit shows more")
        .doesNotContain("ROTOR-7205");
  }

  @Test
  void theLedgerRecordOfAnUnrequestedRotationSaysNobodyAskedForIt() {
    records.set(
        2,
        record(2, "UNREQUESTED", false)
            .replace(
                "\"status\":\"UNREQUESTED\",",
                "\"status\":\"UNREQUESTED\",\"progress\":\"APPROVED\","));
    String url = "http://127.0.0.1:" + ledger.getAddress().getPort();

    Rotorctl.Result result = Rotorctl.run("ledger", "record", "r2", "--ledger-url", url);

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    assertThat(result.output())
        .contains("UNREQUESTED")
        .contains("no rotation.requested in the ledger")
        .containsPattern("events go as far as +APPROVED");
  }

  @Test
  void withoutInFlightOnePageOfTheNewestIsEnough() {
    Rotorctl.Result result =
        Rotorctl.run(
            "status",
            "--limit",
            "10",
            "--ledger-url",
            "http://127.0.0.1:" + ledger.getAddress().getPort());

    assertThat(result.exitCode()).isZero();
    assertThat(queries).hasSize(1);
    assertThat(result.output()).contains("r0").contains("r9").doesNotContain("r10");
  }
}
