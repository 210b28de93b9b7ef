package dev.rotor.cli.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.cli.CliException;
import dev.rotor.cli.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The ledger-service's REST API ({@code /ledger/...}), read as JSON trees so that rotorctl shows
 * what the ledger says without depending on its classes. Errors become one line: unreachable, timed
 * out, or the ledger's own {@code {"error", "message"}}.
 */
public final class LedgerClient {
  private final URI base;
  private final Duration timeout;
  private final HttpClient http;

  public LedgerClient(URI base, Duration timeout) {
    this.base = base;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** GET {@code path} (relative, e.g. {@code ledger/rotations}) with query parameters. */
  public JsonNode get(String path, Map<String, String> query) {
    return send(HttpRequest.newBuilder(uri(path, query)).GET(), "application/json");
  }

  /** GET {@code path} as text. */
  public String getText(String path) {
    HttpRequest request =
        HttpRequest.newBuilder(uri(path, Map.of()))
            .timeout(timeout)
            .header("Accept", "text/plain")
            .GET()
            .build();
    HttpResponse<String> response = exchange(request);
    requireOk(response);
    return response.body();
  }

  /** POST {@code path} without a body. */
  public JsonNode post(String path) {
    return send(
        HttpRequest.newBuilder(uri(path, Map.of())).POST(HttpRequest.BodyPublishers.noBody()),
        "application/json");
  }

  /** Whether {@code path} answers 404 (nothing there yet). */
  public static boolean isNotFound(CliException e) {
    return "ROTOR-7204".equals(e.id());
  }

  /** Whether the ledger answered {@code 2xx} with a body that is not JSON. */
  public static boolean isNotJson(CliException e) {
    return "ROTOR-7202".equals(e.id())
        && e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException;
  }

  /**
   * Whether the ledger refused the request as such ({@code 4xx} other than {@code 404} and {@code
   * 429}, e.g. {@code 400}): asking otherwise may do; not a {@code 5xx}, a {@code 429} or a body
   * that is not JSON.
   */
  public static boolean isRefused(CliException e) {
    return "ROTOR-7202".equals(e.id())
        && e.exitCode() == dev.rotor.cli.ExitCodes.USAGE
        && e.getCause() == null;
  }

  private JsonNode send(HttpRequest.Builder builder, String accept) {
    HttpResponse<String> response =
        exchange(builder.timeout(timeout).header("Accept", accept).build());
    requireOk(response);
    try {
      return Json.mapper().readTree(response.body());
    } catch (IOException e) {
      throw new CliException(
          "ROTOR-7202",
          dev.rotor.cli.ExitCodes.UNAVAILABLE,
          "the ledger at " + base + " answered something that is not JSON",
          e);
    }
  }

  private HttpResponse<String> exchange(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CliException.unavailable(
          "ROTOR-7201",
          "cannot reach the ledger at "
              + base
              + " ("
              + e.getClass().getSimpleName()
              + "); set --ledger-url or ROTOR_LEDGER_URL",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.unavailable("ROTOR-7201", "interrupted while asking the ledger", e);
    }
  }

  private void requireOk(HttpResponse<String> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return;
    }
    String message = "HTTP " + status;
    try {
      JsonNode error = Json.mapper().readTree(response.body());
      if (error.hasNonNull("message")) {
        message += ": " + error.get("message").asText();
      }
    } catch (IOException | RuntimeException e) {
      // Not the ledger's error shape: the status says enough.
    }
    String where = response.request().uri().getPath();
    if (status == 404) {
      throw CliException.notPossible(
          "ROTOR-7204", "the ledger has nothing at " + where + " (" + message + ")");
    }
    throw new CliException(
        "ROTOR-7202",
        status >= 500 || status == 429
            ? dev.rotor.cli.ExitCodes.UNAVAILABLE
            : dev.rotor.cli.ExitCodes.USAGE,
        "the ledger refused " + where + ": " + message,
        null);
  }

  private URI uri(String path, Map<String, String> query) {
    String q =
        query.entrySet().stream()
            .filter(e -> e.getValue() != null)
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return base.resolve(path + (q.isEmpty() ? "" : "?" + q));
  }
}
