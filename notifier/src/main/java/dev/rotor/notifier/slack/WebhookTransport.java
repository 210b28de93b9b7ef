package dev.rotor.notifier.slack;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.message.SlackMessage;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * Slack's incoming webhooks, one URL per channel. They answer {@code 200 ok}, a 4xx with an error
 * code as text ({@code invalid_payload}, {@code no_service}, {@code channel_is_archived}: final),
 * 429 with {@code Retry-After}, or 5xx (retried). They return no message timestamp, so there are no
 * threads. The URL is a secret: only the channel's name appears in logs and errors.
 */
public final class WebhookTransport implements SlackTransport {
  private final SlackHttp http;

  public WebhookTransport(SlackHttp http) {
    this.http = http;
  }

  @Override
  public boolean supportsThreads() {
    return false;
  }

  @Override
  public Posted post(
      ChannelSettings channel, SlackMessage message, Optional<String> threadTs, boolean broadcast)
      throws SlackDeliveryException, InterruptedException {
    String url =
        channel
            .webhookUrl()
            .orElseThrow(
                () ->
                    new SlackDeliveryException(
                        SlackDeliveryException.Kind.REJECTED, "no webhook URL configured"))
            .value();
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new SlackDeliveryException(
          SlackDeliveryException.Kind.SETUP, "the webhook URL is not a URL");
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("text", message.text());
    body.set("blocks", message.blocks());
    body.put("unfurl_links", false);
    body.put("unfurl_media", false);
    HttpResponse<String> response = http.postJson(uri, body);
    if (response.statusCode() / 100 == 2) {
      return new Posted(Optional.empty());
    }
    throw http.failure(response, SlackHttp.errorCode(response.body()));
  }
}
