package dev.rotor.notifier.slack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.notifier.config.NotifierSettings;
import dev.rotor.notifier.slack.SlackDeliveryException.Kind;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The HTTP side shared by both transports: the JDK's HttpClient with the configured timeouts and
 * proxy, no redirects (a redirect would carry the token elsewhere), and the mapping of what comes
 * back to {@link SlackDeliveryException}s that never hold a URL or a token.
 */
public final class SlackHttp {
  private final HttpClient client;
  private final Duration requestTimeout;
  private final ObjectMapper mapper;
  private final Clock clock;

  public SlackHttp(NotifierSettings settings, ObjectMapper mapper, Clock clock) {
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER);
    settings.proxy().ifPresent(proxy -> builder.proxy(ProxySelector.of(proxy)));
    this.client = builder.build();
    this.requestTimeout = settings.requestTimeout();
    this.mapper = mapper;
    this.clock = clock;
  }

  /** POSTs {@code body} as JSON to {@code uri} with the extra headers (name, value, ...). */
  HttpResponse<String> postJson(URI uri, ObjectNode body, String... headers)
      throws SlackDeliveryException, InterruptedException {
    byte[] json;
    try {
      json = mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new SlackDeliveryException(Kind.REJECTED, "message not serializable");
    }
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(requestTimeout)
              .header("Content-Type", "application/json; charset=utf-8")
              .POST(HttpRequest.BodyPublishers.ofByteArray(json));
      for (int i = 0; i + 1 < headers.length; i += 2) {
        request.header(headers[i], headers[i + 1]);
      }
      return client.send(
          request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The class says what happened (ConnectException, HttpTimeoutException); the message could
      // name the host and is left out.
      throw new SlackDeliveryException(Kind.NETWORK, e.getClass().getSimpleName());
    } catch (IllegalArgumentException e) {
      // The JDK repeats the header value or the URI it refuses: the token or the webhook URL.
      throw new SlackDeliveryException(
          Kind.SETUP,
          "the HTTP client refuses the configured token or webhook URL ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  /**
   * Maps an HTTP status that is not a success: 429 waits for {@code Retry-After}, 5xx and 408 are
   * retried, any other status is final.
   */
  SlackDeliveryException failure(HttpResponse<String> response, String errorText) {
    int status = response.statusCode();
    String detail = "HTTP " + status + (errorText.isEmpty() ? "" : " " + errorText);
    if (status == 429) {
      return new SlackDeliveryException(Kind.RATE_LIMITED, detail, RetryAfter.of(response, clock));
    }
    if (status >= 500 || status == 408) {
      return new SlackDeliveryException(Kind.SERVER_ERROR, detail);
    }
    if (status == 401 || status == 403 || status == 407) {
      // The token, the webhook's authorisation or the proxy: every message would get the same.
      return new SlackDeliveryException(Kind.AUTH, detail);
    }
    return new SlackDeliveryException(Kind.REJECTED, detail);
  }

  /** A response body as JSON, if it is JSON. */
  Optional<JsonNode> json(HttpResponse<String> response) {
    try {
      JsonNode node = mapper.readTree(response.body());
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  Clock clock() {
    return clock;
  }

  /**
   * An error code from Slack as a safe token: lowercase letters, digits and underscores, at most 64
   * characters; anything else is {@code unexpected}.
   */
  static String errorCode(String text) {
    String code = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    return code.matches("[a-z0-9_]{1,64}") ? code : code.isEmpty() ? "" : "unexpected";
  }
}
