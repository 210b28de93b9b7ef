package dev.rotor.examples.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory stand-in for one Secrets Service instance, speaking its payload API. Instances share
 * a {@link Store}, as real ones share the database; an instance "knows" only some key ids and
 * answers a decrypt failure for payloads written under another one.
 */
final class FakeSecretsService implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    // Without it the JDK's server waits for delayed ACKs: about 40 ms per small response.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** The shared "database": id to key id and plaintext. */
  static final class Store {
    final Map<String, String[]> rows = new ConcurrentHashMap<>();
    final AtomicLong sequence = new AtomicLong();
  }

  /** One request this instance served, numbered across all instances of the store. */
  record Served(long sequence, String method, String id) {}

  private final HttpServer server;
  private final Store store;
  private final String keyId;
  private final List<String> readableKeyIds;
  private final List<Served> served = new CopyOnWriteArrayList<>();
  private volatile int forcedStatus;
  private volatile boolean garbleReads;

  FakeSecretsService(Store store, String keyId, List<String> readableKeyIds) throws IOException {
    this.store = store;
    this.keyId = keyId;
    this.readableKeyIds = readableKeyIds;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/payloads", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  List<Served> served() {
    return served;
  }

  /** Answers every request with this status (0: behave). */
  void forceStatus(int status) {
    forcedStatus = status;
  }

  /** Answers reads with another plaintext. */
  void garbleReads() {
    garbleReads = true;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (forcedStatus != 0) {
        send(exchange, forcedStatus, Map.of("error", "injected_fault"));
        return;
      }
      if (exchange.getRequestMethod().equals("POST")) {
        String plaintext =
            JSON.readTree(exchange.getRequestBody().readAllBytes()).path("plaintext").asText();
        String id = UUID.randomUUID().toString();
        store.rows.put(id, new String[] {keyId, plaintext});
        served.add(new Served(store.sequence.incrementAndGet(), "POST", id));
        send(exchange, 201, Map.of("id", id, "keyId", keyId));
        return;
      }
      String id = exchange.getRequestURI().getPath().substring("/payloads/".length());
      served.add(new Served(store.sequence.incrementAndGet(), "GET", id));
      String[] row = store.rows.get(id);
      if (row == null) {
        send(exchange, 404, Map.of("error", "not_found"));
      } else if (!readableKeyIds.contains(row[0])) {
        send(
            exchange,
            500,
            Map.of("error", "decrypt_failed", "keyId", row[0], "message", "unknown key " + row[0]));
      } else {
        send(
            exchange,
            200,
            Map.of("id", id, "keyId", row[0], "plaintext", garbleReads ? "garbled" : row[1]));
      }
    }
  }

  private static void send(HttpExchange exchange, int status, Map<String, String> body)
      throws IOException {
    byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
