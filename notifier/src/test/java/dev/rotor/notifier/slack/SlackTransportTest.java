package dev.rotor.notifier.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.ConfigFixtures;
import dev.rotor.notifier.config.NotifierSettings;
import dev.rotor.notifier.config.SecretValue;
import dev.rotor.notifier.message.MessageComposer;
import dev.rotor.notifier.message.RotationContext;
import dev.rotor.notifier.message.SlackMessage;
import dev.rotor.notifier.slack.FakeSlack.Answer;
import dev.rotor.notifier.slack.SlackDeliveryException.Kind;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both transports against the fake Slack: what Slack answers becomes a result or a kind of error.
 */
class SlackTransportTest {
  private static final String TOKEN = "xoxb-transport-test";

  private final FakeSlack slack = new FakeSlack(TOKEN, Set.of("#security-ops"), Set.of("#no-bot"));
  private final NotifierSettings settings =
      ConfigFixtures.settings(
          Map.of(
              "rotor.notifier.slack.api-url",
              slack.apiUrl(),
              "rotor.notifier.slack.request-timeout",
              "PT2S"));
  private final SlackHttp http = new SlackHttp(settings, new ObjectMapper(), Clock.systemUTC());
  private final SlackMessage message =
      new MessageComposer(Optional.empty(), Optional.empty())
          .compose(SampleEvents.envelope(EventType.ROLLOUT_STARTED), RotationContext.NONE);

  @AfterEach
  void stop() {
    slack.close();
  }

  private WebApiTransport webApi(String token) {
    return new WebApiTransport(http, slack.apiUrl(), SecretValue.of("token", token));
  }

  private static ChannelSettings channel(String slackChannel, String webhookUrl) {
    return new ChannelSettings(
        "ops",
        slackChannel,
        Set.of(),
        Optional.empty(),
        Set.of(),
        List.of(),
        Optional.ofNullable(webhookUrl).map(url -> SecretValue.of("url", url)));
  }

  @Test
  void postsWithTheBotTokenAndRepliesInAThreadWithBroadcast() throws Exception {
    Posted first =
        webApi(TOKEN).post(channel("#security-ops", null), message, Optional.empty(), false);
    Posted reply = webApi(TOKEN).post(channel("#security-ops", null), message, first.ts(), true);

    assertThat(first.ts()).isPresent();
    assertThat(reply.ts()).isPresent().isNotEqualTo(first.ts());
    assertThat(slack.requests())
        .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer " + TOKEN));
    FakeSlack.Message posted = slack.messages().get(1);
    assertThat(posted.threadTs()).isEqualTo(first.ts().get());
    assertThat(posted.broadcast()).isTrue();
    assertThat(posted.metadata().path("event_type").asText()).isEqualTo("rotor_event");
  }

  @Test
  void treatsSlacksOwnErrorsAsFinalExceptThoseOfItsServersAndOfTheToken() {
    assertKind(webApi("xoxb-wrong"), channel("#security-ops", null), Kind.AUTH, "invalid_auth");
    slack.answer(body -> true, 1, new Answer(407, Map.of(), "proxy authentication required"));
    assertKind(webApi(TOKEN), channel("#security-ops", null), Kind.AUTH, "HTTP 407");
    assertKind(webApi(TOKEN), channel("#nowhere", null), Kind.REJECTED, "channel_not_found");
    assertKind(webApi(TOKEN), channel("#no-bot", null), Kind.REJECTED, "not_in_channel");
    slack.answer(body -> true, 1, Answer.error("internal_error"));
    assertKind(webApi(TOKEN), channel("#security-ops", null), Kind.SLACK_ERROR, "internal_error");
    slack.answer(body -> true, 1, Answer.error("ratelimited"));
    assertKind(webApi(TOKEN), channel("#security-ops", null), Kind.RATE_LIMITED, "ratelimited");
  }

  @Test
  void retriesServerErrorsAndHonoursRetryAfter() throws Exception {
    slack.answer(body -> true, 1, Answer.serverError(503));
    assertKind(webApi(TOKEN), channel("#security-ops", null), Kind.SERVER_ERROR, "HTTP 503");
    slack.answer(body -> true, 1, Answer.rateLimited(7));
    SlackDeliveryException limited =
        assertKind(webApi(TOKEN), channel("#security-ops", null), Kind.RATE_LIMITED, "HTTP 429");
    assertThat(limited.retryAfter()).contains(Duration.ofSeconds(7));
    slack.answer(body -> true, 1, new Answer(200, Map.of(), "<html>proxy says hi</html>"));
    assertKind(
        webApi(TOKEN),
        channel("#security-ops", null),
        Kind.SERVER_ERROR,
        "HTTP 200 without Slack's JSON answer");
  }

  @Test
  void reportsANetworkErrorByItsClassWithoutTheAddress() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    WebApiTransport nowhere =
        new WebApiTransport(
            http, "http://127.0.0.1:" + closedPort + "/api", SecretValue.of("token", TOKEN));

    SlackDeliveryException e =
        assertKind(nowhere, channel("#security-ops", null), Kind.NETWORK, "ConnectException");
    assertThat(e.getMessage()).doesNotContain("127.0.0.1").doesNotContain(TOKEN);
  }

  @Test
  void aTokenOrUrlTheHttpClientRefusesIsARetryableSetupErrorThatDoesNotRepeatIt() {
    String badToken = TOKEN + "\nsecond-line";
    SlackDeliveryException e =
        assertKind(
            webApi(badToken),
            channel("#security-ops", null),
            Kind.SETUP,
            "the HTTP client refuses the configured token or webhook URL"
                + " (IllegalArgumentException)");
    assertThat(e.kind().retryable()).isTrue();
    assertThat(e.getMessage()).doesNotContain(TOKEN);

    String badUrl = "https:/hooks.slack.example/services/T000/B000/SECRETXYZ";
    SlackDeliveryException refused =
        assertKind(
            new WebhookTransport(http),
            channel("#security-ops", badUrl),
            Kind.SETUP,
            "the HTTP client refuses the configured token or webhook URL"
                + " (IllegalArgumentException)");
    assertThat(refused.getMessage()).doesNotContain("SECRETXYZ");
  }

  @Test
  void postsToAWebhookAndMapsItsTextErrors() throws Exception {
    String url = slack.createWebhook("#security-ops");
    WebhookTransport webhook = new WebhookTransport(http);

    assertThat(webhook.post(channel("#security-ops", url), message, Optional.empty(), false).ts())
        .isEmpty();
    assertThat(slack.messages()).hasSize(1);

    assertKind(webhook, channel("#security-ops", url + "x"), Kind.REJECTED, "HTTP 404 no_service");
    slack.answer(body -> true, 1, Answer.webhookError(500, "rollup_error"));
    assertKind(webhook, channel("#security-ops", url), Kind.SERVER_ERROR, "HTTP 500 rollup_error");
    slack.answer(body -> true, 1, Answer.rateLimited(2));
    assertThat(
            assertKind(
                    webhook,
                    channel("#security-ops", url),
                    Kind.RATE_LIMITED,
                    "HTTP 429 rate_limited")
                .retryAfter())
        .contains(Duration.ofSeconds(2));
  }

  private SlackDeliveryException assertKind(
      SlackTransport transport, ChannelSettings channel, Kind kind, String detail) {
    Throwable thrown =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> transport.post(channel, message, Optional.empty(), false));
    assertThat(thrown).isInstanceOf(SlackDeliveryException.class);
    SlackDeliveryException e = (SlackDeliveryException) thrown;
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.detail()).isEqualTo(detail);
    return e;
  }
}
