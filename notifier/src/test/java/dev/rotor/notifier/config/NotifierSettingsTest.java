package dev.rotor.notifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Severity;
import dev.rotor.notifier.config.NotifierConfig.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifierSettingsTest {

  @TempDir Path dir;

  @Test
  void theShippedDefaultsNeedOnlyATokenAndGiveThreeChannels() {
    NotifierSettings settings = ConfigFixtures.settings(Map.of());

    assertThat(settings.mode()).isEqualTo(Mode.WEB_API);
    assertThat(settings.apiUrl()).isEqualTo("https://slack.com/api");
    assertThat(settings.channels())
        .extracting(ChannelSettings::name, ChannelSettings::slackChannel)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("platform-alerts", "#platform-alerts"),
            org.assertj.core.groups.Tuple.tuple("reviewers", "#rotor-reviews"),
            org.assertj.core.groups.Tuple.tuple("security-ops", "#security-ops"));
    assertThat(settings.retry().maxAttempts()).isEqualTo(20);
    assertThat(settings.retry().longestHold())
        .isBetween(Duration.ofMinutes(55), Duration.ofMinutes(70));
    assertThat(settings.broadcastSeverity()).isEqualTo(Severity.CRITICAL);
  }

  @Test
  void aDatabasePoolTooSmallForOneConnectionPerChannelFailsStartUpNamingTheKey() {
    NotifierSettings settings = ConfigFixtures.settings(Map.of());

    assertThatThrownBy(() -> settings.requirePool(6))
        .isInstanceOf(NotifierConfigException.class)
        .hasMessageContaining("quarkus.datasource.jdbc.max-size: 6 is too small for 3 channels")
        .hasMessageContaining("set it to at least 7");
    settings.requirePool(7);
    settings.requirePool(20);
  }

  @Test
  void failsWithoutATokenInWebApiModeNamingBothKeys() {
    assertThatThrownBy(() -> NotifierSettings.from(ConfigFixtures.config(Map.of())))
        .isInstanceOf(NotifierConfigException.class)
        .hasMessageContaining("ROTOR-6100")
        .hasMessageContaining(
            "rotor.notifier.slack.token: is required in web-api mode (or set"
                + " rotor.notifier.slack.token-file)");
  }

  @Test
  void reportsEveryProblemAtOnceEachWithItsKey() {
    Map<String, String> config = new HashMap<>();
    config.put("rotor.notifier.channels.security-ops.events", "rollout.failed,rollout.exploded");
    config.put("rotor.notifier.channels.reviewers.slack-channel", "Rotor Reviews");
    config.put("rotor.notifier.channels.ops.targets", "Payments/*");
    config.put("rotor.notifier.channels.ops.min-severity", "INFO");
    config.put("rotor.notifier.channels.empty.enabled", "true");
    config.put("rotor.notifier.delivery.max-attempts", "0");
    config.put("rotor.notifier.message.ledger-base-url", "ledger.example.com");
    config.put("rotor.notifier.message.page-mention", "@here");
    config.put("rotor.notifier.retention.keep", "P90D");
    config.put("rotor.notifier.retention.purge-interval", "PT59S");

    assertThatThrownBy(() -> ConfigFixtures.settings(config))
        .isInstanceOfSatisfying(
            NotifierConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactlyInAnyOrder(
                        "rotor.notifier.channels.empty.events: selects no event; set events or"
                            + " min-severity",
                        "rotor.notifier.channels.ops.targets: 'Payments/*' is not a target id or"
                            + " pattern (lowercase letters, digits, . - / and *)",
                        "rotor.notifier.channels.reviewers.slack-channel: expected a channel id"
                            + " (C0123ABCD) or #name in lowercase",
                        "rotor.notifier.channels.security-ops.events: 'rollout.exploded' is no"
                            + " event type (e.g. rollout.failed, see docs/events.md)",
                        "rotor.notifier.delivery.max-attempts: must be at least 1",
                        "rotor.notifier.message.ledger-base-url: 'ledger.example.com' must be an"
                            + " absolute http(s) URL",
                        "rotor.notifier.message.page-mention: expected <!here>, <!channel>,"
                            + " <!subteam^ID> or <@USERID>",
                        "rotor.notifier.retention.keep: must be at least P98D (the event topics"
                            + " keep records 90 days, up to 97 as Kafka deletes whole segments);"
                            + " got PT2160H",
                        "rotor.notifier.retention.purge-interval: must be at least PT1M; got"
                            + " PT59S"));
  }

  @Test
  void requiresAWebhookUrlPerChannelInWebhookModeAndNeverRepeatsOne() {
    Map<String, String> config = new HashMap<>();
    config.put("rotor.notifier.mode", "webhook");
    config.put(
        "rotor.notifier.channels.security-ops.webhook-url",
        "http://hooks.slack.com/services/T1/B1/secret1");
    config.put(
        "rotor.notifier.channels.reviewers.webhook-url",
        "https://hooks.slack.com/services/T1/B2/secret2");

    assertThatThrownBy(() -> NotifierSettings.from(ConfigFixtures.config(config)))
        .isInstanceOfSatisfying(
            NotifierConfigException.class,
            e -> {
              assertThat(e.problems())
                  .containsExactlyInAnyOrder(
                      "rotor.notifier.channels.platform-alerts.webhook-url: is required in webhook"
                          + " mode (or set rotor.notifier.channels.platform-alerts.webhook-url-file)",
                      "rotor.notifier.channels.security-ops.webhook-url: must be an absolute https"
                          + " URL (http only for localhost)");
              assertThat(e.getMessage()).doesNotContain("secret1").doesNotContain("secret2");
            });
  }

  @Test
  void readsSecretsFromFilesAndNamesAnUnreadableFileWithoutItsContent() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "xoxb-from-file\n");
    Map<String, String> config = new HashMap<>();
    config.put("rotor.notifier.slack.token-file", token.toString());

    NotifierSettings settings = NotifierSettings.from(ConfigFixtures.config(config));
    assertThat(settings.token()).get().extracting(SecretValue::value).isEqualTo("xoxb-from-file");
    assertThat(settings.token().get().toString()).doesNotContain("xoxb");

    config.put("rotor.notifier.slack.token-file", dir.resolve("missing").toString());
    assertThatThrownBy(() -> NotifierSettings.from(ConfigFixtures.config(config)))
        .hasMessageContaining(
            "rotor.notifier.slack.token-file: cannot read "
                + dir.resolve("missing")
                + " (NoSuchFileException)");
  }

  @Test
  void refusesTwoConfigEntriesForOneSlackChannel() {
    Map<String, String> config = new HashMap<>();
    config.put("rotor.notifier.channels.alerts.slack-channel", "#platform-alerts");
    config.put("rotor.notifier.channels.alerts.events", "rollback.failed");

    assertThatThrownBy(() -> ConfigFixtures.settings(config))
        .hasMessageContaining(
            "rotor.notifier.channels.platform-alerts.slack-channel: #platform-alerts is also the"
                + " Slack channel of alerts");
  }

  @Test
  void acceptsEventTypesByShortNameOrCloudEventsTypeAndTurnsADefaultChannelOff() {
    Map<String, String> config = new HashMap<>();
    config.put("rotor.notifier.channels.reviewers.enabled", "false");
    config.put(
        "rotor.notifier.channels.platform-alerts.events",
        "verification.inconclusive,dev.rotor.rotation.review-rejected.v1");

    NotifierSettings settings = ConfigFixtures.settings(config);
    assertThat(settings.channels()).extracting(ChannelSettings::name).doesNotContain("reviewers");
    assertThat(settings.channels().get(0).events())
        .containsExactlyInAnyOrder(
            EventType.VERIFICATION_INCONCLUSIVE, EventType.ROTATION_REVIEW_REJECTED);
  }
}
