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
          List<String> page =
              records.subList(
                  Math.min(offset, records.size()), Math.min(offset + limit, records.size()));
          byte[] body = ("[" + String.join(",", page) + "]").getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    ledger.start();
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
