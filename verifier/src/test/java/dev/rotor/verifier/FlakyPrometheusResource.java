package dev.rotor.verifier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotor.testsupport.PrometheusServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real Prometheus (scraping nothing) behind a proxy that answers some baseline queries ({@code
 * /api/v1/query_range}) as an overloaded Prometheus does, HTTP 503 {@code unavailable}: a query
 * naming {@link #FAILS_ONCE} the first time, one naming {@link #FAILS_ALWAYS} every time. Every
 * other request is passed on. The verifier gets the proxy as {@code rotor.verifier.prometheus.url}.
 */
public class FlakyPrometheusResource implements QuarkusTestResourceLifecycleManager {
  /** A Deployment whose first baseline query is refused. */
  public static final String FAILS_ONCE = "baseline-blip";

  /** A Deployment whose baseline queries are all refused. */
  public static final String FAILS_ALWAYS = "baseline-down";

  private static final byte[] UNAVAILABLE =
      "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"too many queries\"}"
          .getBytes(StandardCharsets.UTF_8);

  private final Set<String> refusedOnce = ConcurrentHashMap.newKeySet();
  private final HttpClient http = HttpClient.newHttpClient();
  private PrometheusServer prometheus;
  private HttpServer proxy;

  @Override
  public Map<String, String> start() {
    prometheus = PrometheusServer.start(List.of());
    try {
      proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      stop();
      throw new IllegalStateException("cannot start the proxy", e);
    }
    proxy.createContext("/", this::handle);
    proxy.start();
    return Map.of(
        "rotor.verifier.prometheus.url", "http://127.0.0.1:" + proxy.getAddress().getPort() + "/");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      URI uri = exchange.getRequestURI();
      String query =
          uri.getRawQuery() == null
              ? ""
              : URLDecoder.decode(uri.getRawQuery(), StandardCharsets.UTF_8);
      if (uri.getPath().endsWith("/api/v1/query_range")
          && (query.contains(FAILS_ALWAYS)
              || (query.contains(FAILS_ONCE) && refusedOnce.add(FAILS_ONCE)))) {
        respond(exchange, 503, UNAVAILABLE);
        return;
      }
      HttpResponse<byte[]> response;
      try {
        response =
            http.send(
                HttpRequest.newBuilder(
                        prometheus
                            .url()
                            .resolve(
                                uri.getRawPath()
                                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        respond(exchange, 502, new byte[0]);
        return;
      }
      respond(exchange, response.statusCode(), response.body());
    }
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void stop() {
    if (proxy != null) {
      proxy.stop(0);
      proxy = null;
    }
    if (prometheus != null) {
      prometheus.close();
      prometheus = null;
    }
  }
}
