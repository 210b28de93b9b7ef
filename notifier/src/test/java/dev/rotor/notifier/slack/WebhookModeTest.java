package dev.rotor.notifier.slack;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Topics;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.slack.FakeSlack.Answer;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Incoming-webhook mode: one URL per channel (from a mounted file or the configuration), no
 * threads, the same routing, retries and dead-lettering, and the URLs, which are secrets, never in
 * a log line or a dead-letter record.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = FakeSlackResource.class,
    initArgs = @ResourceArg(name = FakeSlackResource.MODE, value = "webhook"))
class WebhookModeTest {

  @InjectFakeSlack FakeSlack slack;

  @AfterEach
  void endScriptedTrouble() {
    slack.reset();
  }

  @Test
  void postsToEachChannelsWebhookWithoutThreads() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope requested = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope failed = TestEvents.of(EventType.ROLLOUT_FAILED, rotation);
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, requested);
      TestEvents.produce(client, failed);
    }

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(rotation).size() == 3);
    assertThat(slack.messagesMentioning(requested.id()))
        .extracting(FakeSlack.Message::channel)
        .containsExactly("#security-ops");
    assertThat(slack.messagesMentioning(failed.id()))
        .extracting(FakeSlack.Message::channel)
        .containsExactlyInAnyOrder("#security-ops", "#platform-alerts");
    assertThat(slack.messagesMentioning(rotation))
        .allSatisfy(
            m -> {
              assertThat(m.threadTs()).isNull();
              assertThat(m.blocks()).isNotNull();
            });
    assertThat(slack.requestsMentioning(rotation))
        .allSatisfy(r -> assertThat(r.authorization()).isNull());
  }

  @Test
  void waitsAsLongAsRetryAfterAsksWhenAWebhookIsRateLimited() {
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    slack.answer(body -> body.toString().contains(event.id()), 1, Answer.rateLimited(1));

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, event);
    }

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
    List<FakeSlack.Request> attempts = slack.requestsMentioning(event.id());
    assertThat(attempts).extracting(FakeSlack.Request::status).containsExactly(429, 200);
    assertThat(Duration.between(attempts.get(0).receivedAt(), attempts.get(1).receivedAt()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void deadLettersWhatAWebhookRefusesNamingTheChannelButNeverTheUrl() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope refused = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope next = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    slack.answer(
        body -> body.toString().contains(refused.id()),
        1,
        Answer.webhookError(410, "channel_is_archived"));

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, refused);
      TestEvents.produce(client, next);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(next.id()).size() == 1);
      ConsumerRecord<byte[], byte[]> dead = NotifierTestSetup.deadLetterOf(client, refused.id());
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason"))
          .isEqualTo(
              "SLACK_REJECTED channel security-ops: Slack refused the message: HTTP 410"
                  + " channel_is_archived");
      assertThat(KafkaTestClient.headerValue(dead, "dead-letter-topic")).isEqualTo(Topics.REQUESTS);

      List<String> secrets =
          slack.webhookUrls().stream().map(url -> URI.create(url).getPath()).toList();
      assertThat(secrets).hasSize(4);
      String logs = NotifierTestSetup.logText();
      assertThat(logs).contains("ROTOR-6006").contains("channel_is_archived");
      for (String secret : secrets) {
        assertThat(logs).doesNotContain(secret);
        for (ConsumerRecord<byte[], byte[]> record : client.readAll("rotor.dlq")) {
          StreamSupport.stream(record.headers().spliterator(), false)
              .forEach(h -> assertThat(new String(h.value(), UTF_8)).doesNotContain(secret));
        }
      }
    }
    assertThat(slack.requestsMentioning(refused.id())).hasSize(1);
  }
}
