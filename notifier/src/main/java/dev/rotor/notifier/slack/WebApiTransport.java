package dev.rotor.notifier.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.SecretValue;
import dev.rotor.notifier.message.SlackMessage;
import dev.rotor.notifier.slack.SlackDeliveryException.Kind;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Slack's Web API, {@code chat.postMessage} with a bot token. Slack answers its own errors with
 * HTTP 200 and {@code {"ok": false, "error": "..."}}: {@code ratelimited} waits for {@code
 * Retry-After}, the server-side errors are retried, every other error (a bad token, an unknown
 * channel, a channel the bot is not in, invalid blocks) is final.
 */
public final class WebApiTransport implements SlackTransport {
  private static final Logger LOG = Logger.getLogger(WebApiTransport.class);

  /** Errors Slack documents for its own trouble: worth another attempt. */
  static final Set<String> RETRYABLE_ERRORS =
      Set.of("internal_error", "fatal_error", "service_unavailable", "request_timeout");

  /**
   * Errors of the token, not of the message: every message in every channel would get them, so the
   * channel is held and retried until the token is fixed instead of giving each message up.
   */
  static final Set<String> AUTH_ERRORS =
      Set.of(
          "invalid_auth",
          "not_authed",
          "token_revoked",
          "token_expired",
          "account_inactive",
          "missing_scope",
          "no_permission",
          "ekm_access_denied",
          "team_access_not_granted");

  private final SlackHttp http;
  private final URI postMessage;
  private final SecretValue token;

  public WebApiTransport(SlackHttp http, String apiUrl, SecretValue token) {
    this.http = http;
    this.postMessage = URI.create(apiUrl + "/chat.postMessage");
    this.token = token;
  }

  @Override
  public boolean supportsThreads() {
    return true;
  }

  @Override
  public Posted post(
      ChannelSettings channel, SlackMessage message, Optional<String> threadTs, boolean broadcast)
      throws SlackDeliveryException, InterruptedException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("channel", channel.slackChannel());
    body.put("text", message.text());
    body.set("blocks", message.blocks());
    body.set("metadata", message.metadata());
    body.put("unfurl_links", false);
    body.put("unfurl_media", false);
    if (threadTs.isPresent()) {
      body.put("thread_ts", threadTs.get());
      if (broadcast) {
        body.put("reply_broadcast", true);
      }
    }
    HttpResponse<String> response =
        http.postJson(postMessage, body, "Authorization", "Bearer " + token.value());
    if (response.statusCode() / 100 != 2) {
      throw http.failure(response, "");
    }
    JsonNode answer =
        http.json(response)
            .orElseThrow(
                () ->
                    new SlackDeliveryException(
                        Kind.SERVER_ERROR,
                        "HTTP " + response.statusCode() + " without Slack's JSON answer"));
    if (answer.path("ok").asBoolean(false)) {
      String warning = answer.path("warning").asText("");
      if (!warning.isEmpty()) {
        LOG.debugf(
            "ROTOR-6014 Slack took the message for %s with a warning: %s",
            channel.name(), SlackHttp.errorCode(warning));
      }
      String ts = answer.path("ts").asText("");
      return new Posted(ts.isEmpty() ? Optional.empty() : Optional.of(ts));
    }
    String error = SlackHttp.errorCode(answer.path("error").asText(""));
    if (error.isEmpty()) {
      error = "unknown_error";
    }
    if (error.equals("ratelimited")) {
      throw new SlackDeliveryException(
          Kind.RATE_LIMITED, error, RetryAfter.of(response, http.clock()));
    }
    if (RETRYABLE_ERRORS.contains(error)) {
      throw new SlackDeliveryException(Kind.SLACK_ERROR, error);
    }
    if (AUTH_ERRORS.contains(error)) {
      throw new SlackDeliveryException(Kind.AUTH, error);
    }
    throw new SlackDeliveryException(Kind.REJECTED, error);
  }
}
