package dev.rotor.examples.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The Secrets Service's payload API over HTTP: {@code POST /payloads} and {@code GET
 * /payloads/{id}}. Thread-safe; one instance serves every target.
 */
public final class SecretsClient {
  /** The {@code error} value of the service's answer when it cannot decrypt a payload. */
  public static final String DECRYPT_FAILED = "decrypt_failed";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Duration requestTimeout;

  public SecretsClient(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(requestTimeout)
            .build();
  }

  /** The result of a write: the payload on HTTP 201, otherwise what went wrong. */
  public record Write(
      Optional<WrittenPayload> payload, int status, Optional<String> transportError) {}

  /**
   * The result of a read.
   *
   * @param outcome how it went
   * @param status the HTTP status, 0 without an answer
   * @param keyId the key id the service named (in a success or a decrypt failure), or null
   * @param detail a short description of a failure, or null
   */
  public record Read(ReadOutcome outcome, int status, String keyId, String detail) {}

  /** {@code POST <base>/payloads} with {@code {"plaintext": ...}}. */
  public Write write(URI base, String plaintext) {
    HttpResponse<String> response;
    try {
      response =
          http.send(
              request(base, "payloads")
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          JSON.writeValueAsString(Map.of("plaintext", plaintext))))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new Write(Optional.empty(), 0, Optional.of(describe(e)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Write(Optional.empty(), 0, Optional.of("interrupted"));
    }
    if (response.statusCode() != 201) {
      return new Write(Optional.empty(), response.statusCode(), Optional.empty());
    }
    JsonNode body = parse(response.body());
    return new Write(
        Optional.of(
            new WrittenPayload(
                body.path("id").asText(), plaintext, body.path("keyId").asText(null), base)),
        201,
        Optional.empty());
  }

  /** {@code GET <base>/payloads/<id>}, and checks that the plaintext is {@code expected}. */
  public Read read(URI base, String id, String expected) {
    HttpResponse<String> response;
    try {
      response =
          http.send(
              request(base, "payloads/" + id).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new Read(ReadOutcome.TRANSPORT_ERROR, 0, null, describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Read(ReadOutcome.TRANSPORT_ERROR, 0, null, "interrupted");
    }
    JsonNode body = parse(response.body());
    String keyId = body.path("keyId").asText(null);
    if (response.statusCode() == 200) {
      return expected.equals(body.path("plaintext").asText(null))
          ? new Read(ReadOutcome.OK, 200, keyId, null)
          : new Read(ReadOutcome.WRONG_PLAINTEXT, 200, keyId, "payload " + id + ": other text");
    }
    if (DECRYPT_FAILED.equals(body.path("error").asText(null))) {
      return new Read(
          ReadOutcome.DECRYPT_FAILED,
          response.statusCode(),
          keyId,
          body.path("message").asText("decrypt failed"));
    }
    return new Read(
        ReadOutcome.HTTP_ERROR,
        response.statusCode(),
        keyId,
        "HTTP " + response.statusCode() + " for payload " + id);
  }

  private HttpRequest.Builder request(URI base, String path) {
    String root = base.toString().endsWith("/") ? base.toString() : base + "/";
    return HttpRequest.newBuilder(URI.create(root + path))
        .timeout(requestTimeout)
        .header("Accept", "application/json");
  }

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
