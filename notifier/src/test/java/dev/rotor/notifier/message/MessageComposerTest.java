package dev.rotor.notifier.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.event.Severity;
import dev.rotor.notifier.TestEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MessageComposerTest {
  private final MessageComposer composer =
      new MessageComposer(
          Optional.of("https://ledger.rotor.example"), Optional.of("<!subteam^S0ROTOR>"));

  @ParameterizedTest
  @EnumSource(EventType.class)
  void everyEventTypeBecomesBlockKitWithinSlacksLimits(EventType type) {
    SlackMessage message = composer.compose(SampleEvents.envelope(type), RotationContext.NONE);

    assertThat(message.text()).isNotBlank().hasSizeLessThanOrEqualTo(MessageComposer.TEXT_MAX);
    assertThat(message.blocks().size()).isBetween(3, 50);
    for (JsonNode block : message.blocks()) {
      switch (block.path("type").asText()) {
        case "header" ->
            assertThat(block.path("text").path("text").asText())
                .hasSizeLessThanOrEqualTo(MessageComposer.HEADER_MAX);
        case "section" -> {
          if (block.has("text")) {
            assertThat(block.path("text").path("text").asText())
                .hasSizeLessThanOrEqualTo(MessageComposer.SECTION_MAX);
          }
          if (block.has("fields")) {
            assertThat(block.path("fields").size()).isBetween(1, MessageComposer.FIELDS_MAX);
            block
                .path("fields")
                .forEach(
                    f ->
                        assertThat(f.path("text").asText())
                            .hasSizeLessThanOrEqualTo(MessageComposer.FIELD_MAX));
          }
        }
        case "context" -> assertThat(block.path("elements").size()).isBetween(1, 10);
        default -> throw new AssertionError("unexpected block " + block);
      }
    }
    assertThat(message.metadata().path("event_payload").path("event_id").asText())
        .isEqualTo("evt-" + type.eventName());
    if (type != EventType.LEDGER_CHECKPOINT) {
      assertThat(message.blocks().toString()).contains(SampleEvents.TARGET);
    }
  }

  @Test
  void showsTheStageTheReasonCodeTheMessageAndTheLinks() {
    EventEnvelope failed = SampleEvents.envelope(EventType.VERIFICATION_FAILED);
    SlackMessage message =
        composer.compose(
            failed,
            new RotationContext(
                Optional.of(SampleEvents.FINGERPRINT),
                Optional.of("https://git.example.com/platform/aether/pull/42")));

    String blocks = message.blocks().toString();
    assertThat(blocks)
        .contains("Stage failed verification")
        .contains("`aether-production`")
        .contains("`ERROR_RATE`")
        .contains("5xx share 4.2% above 1%")
        .contains("`error-rate`: 0.001 (threshold 0.01, baseline 0.0012)")
        .contains("`" + SampleEvents.FINGERPRINT + "`")
        .contains("<https://git.example.com/platform/aether/pull/42|Change request>")
        .contains(
            "<https://ledger.rotor.example/rotations/" + SampleEvents.ROTATION + "|Ledger record>");
    assertThat(message.text())
        .isEqualTo(
            "Stage failed verification: "
                + SampleEvents.TARGET
                + " (aether-production) ERROR_RATE");
    assertThat(message.severity()).isEqualTo(Severity.CRITICAL);
  }

  @Test
  void carriesTheFingerprintAndNothingOfTheSealedKeyOrTheEscrow() {
    EventEnvelope generated = SampleEvents.envelope(EventType.KEY_GENERATED);
    KeyGenerated data = (KeyGenerated) generated.data();

    String all = composer.compose(generated, RotationContext.NONE).toString();

    assertThat(all).contains(SampleEvents.FINGERPRINT).contains(SampleEvents.KEY_ID);
    assertThat(all)
        .doesNotContain(data.sealed().get(0).ciphertext())
        .doesNotContain("AGE ENCRYPTED")
        .doesNotContain("YWdl");
  }

  @Test
  void escapesEventTextSoItCanNeitherMentionEveryoneNorForgeALink() {
    EventEnvelope failed =
        TestEvents.of(
            EventType.ROLLOUT_FAILED,
            TestEvents.newRotationId(),
            data ->
                data.put("message", "<!channel> see <https://evil.example|the fix> & act\n*now*"));

    String blocks = composer.compose(failed, RotationContext.NONE).blocks().toString();

    assertThat(blocks)
        .doesNotContain("<!channel>")
        .doesNotContain("<https://evil.example")
        .contains("&lt;!channel&gt; see &lt;https://evil.example|the fix&gt; &amp; act");
  }

  @Test
  void aDuplicateAnswerSaysTheRequestChangedNothing() {
    EventEnvelope duplicate =
        TestEvents.of(
            EventType.ROTATION_REJECTED,
            SampleEvents.ROTATION,
            data ->
                data.put("reason", "DUPLICATE")
                    .put("message", "rotation id was requested before")
                    .putNull("inFlightRotationId"));

    SlackMessage message = composer.compose(duplicate, RotationContext.NONE);

    assertThat(message.blocks().toString())
        .contains("Duplicate request refused")
        .contains("reused the id of rotation `" + SampleEvents.ROTATION + "`")
        .contains("changes nothing")
        .contains("`DUPLICATE`")
        .doesNotContain("Rotation request rejected");
    assertThat(message.text())
        .isEqualTo("Duplicate request refused: " + SampleEvents.TARGET + " DUPLICATE");
    // The target is the new request's, shown next to the rotation whose id it reused: not
    // labelled as that rotation's target.
    assertThat(fields(message))
        .contains("*Requested target*\n`" + SampleEvents.TARGET + "`")
        .contains("*Rotation*\n`" + SampleEvents.ROTATION + "`")
        .noneMatch(f -> f.startsWith("*Target*"));
    // Another rejection is the end of the request's own rotation.
    SlackMessage rejected =
        composer.compose(SampleEvents.envelope(EventType.ROTATION_REJECTED), RotationContext.NONE);
    assertThat(rejected.blocks().toString())
        .contains("Rotation request rejected")
        .contains("`IN_FLIGHT`");
    assertThat(fields(rejected)).contains("*Target*\n`" + SampleEvents.TARGET + "`");
  }

  /** The texts of {@code message}'s fields. */
  private static List<String> fields(SlackMessage message) {
    List<String> texts = new ArrayList<>();
    message
        .blocks()
        .forEach(block -> block.path("fields").forEach(f -> texts.add(f.path("text").asText())));
    return texts;
  }

  @Test
  void aRollbackOfGitAloneSaysNoClusterRollsBack() {
    EventEnvelope gitOnly =
        TestEvents.of(
            EventType.MANIFEST_ROLLED_BACK,
            TestEvents.newRotationId(),
            data -> data.putArray("clusters"));

    String blocks = composer.compose(gitOnly, RotationContext.NONE).blocks().toString();

    assertThat(blocks)
        .contains("no cluster had started the rotation, so none rolls back")
        .contains("none")
        .doesNotContain("the clusters roll back");
  }

  @Test
  void mentionsTheOnCallGroupOnlyWhenARollbackFailed() {
    assertThat(
            composer
                .compose(SampleEvents.envelope(EventType.ROLLBACK_FAILED), RotationContext.NONE)
                .text())
        .startsWith("<!subteam^S0ROTOR> Rollback failed: act now");
    assertThat(
            composer
                .compose(SampleEvents.envelope(EventType.ROLLOUT_FAILED), RotationContext.NONE)
                .text())
        .doesNotContain("subteam");
  }

  @Test
  void cutsLongTextToSlacksLimits() {
    EventEnvelope failed =
        TestEvents.of(
            EventType.ROTATION_FAILED,
            TestEvents.newRotationId(),
            data -> data.put("message", "x".repeat(10_000)));

    SlackMessage message = composer.compose(failed, RotationContext.NONE);

    message
        .blocks()
        .forEach(
            block ->
                assertThat(block.path("text").path("text").asText())
                    .hasSizeLessThanOrEqualTo(MessageComposer.SECTION_MAX));
    assertThat(message.blocks().toString()).contains("x…");
  }

  @Test
  void aQuoteOfManyShortLinesStaysWithinTheLimitWithItsQuoteMarks() {
    assertThat(Mrkdwn.quote("a\n".repeat(1500), 3000)).hasSizeLessThanOrEqualTo(3000);
    assertThat(Mrkdwn.quote("x".repeat(61) + "\n".repeat(60), 3000)).hasSizeLessThanOrEqualTo(3000);
    String sixtyLines = ("y".repeat(61) + "\n").repeat(60);
    String quoted = Mrkdwn.quote(sixtyLines, 3000);
    assertThat(quoted).hasSizeLessThanOrEqualTo(3000).startsWith("&gt; yyy").endsWith("…");
    assertThat(Mrkdwn.quote("<\n".repeat(1000), 3000))
        .hasSizeLessThanOrEqualTo(3000)
        .doesNotContainPattern("&[a-z]{0,2}…$");
  }

  @Test
  void aLongMultiLineRollbackReasonStaysWithinSlacksSectionLimit() {
    String reason = ("incident 4711: latency & errors <high>\n").repeat(200);
    Map<EventType, String> textFields =
        Map.of(
            EventType.ROTATION_ROLLBACK_REQUESTED, "reason",
            EventType.MANIFEST_ROLLED_BACK, "cause",
            EventType.ROTATION_ROLLED_BACK, "cause",
            EventType.ROTATION_REVIEW_REJECTED, "comment");
    for (Map.Entry<EventType, String> textField : textFields.entrySet()) {
      EventType type = textField.getKey();
      EventEnvelope event =
          TestEvents.of(
              type, TestEvents.newRotationId(), data -> data.put(textField.getValue(), reason));

      SlackMessage message = composer.compose(event, RotationContext.NONE);

      assertThat(message.blocks().toString()).as(type.name()).contains("incident 4711");
      for (JsonNode block : message.blocks()) {
        assertThat(block.path("text").path("text").asText())
            .as(type.name())
            .hasSizeLessThanOrEqualTo(MessageComposer.SECTION_MAX);
      }
    }
  }

  @Test
  void theLastCheckCutsEveryTextObjectToItsLimit() {
    com.fasterxml.jackson.databind.node.ArrayNode blocks =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    blocks
        .addObject()
        .put("type", "section")
        .putObject("text")
        .put("type", "mrkdwn")
        .put("text", "&gt; a\n".repeat(1000));
    blocks
        .addObject()
        .put("type", "context")
        .putArray("elements")
        .addObject()
        .put("type", "mrkdwn")
        .put("text", "z".repeat(5000));

    MessageComposer.withinLimits(blocks);

    assertThat(blocks.get(0).path("text").path("text").asText())
        .hasSizeLessThanOrEqualTo(MessageComposer.SECTION_MAX);
    assertThat(blocks.get(1).path("elements").get(0).path("text").asText())
        .hasSizeLessThanOrEqualTo(MessageComposer.TEXT_MAX);
  }

  @Test
  void linksNothingThatIsNotAPlainHttpUrl() {
    assertThat(Mrkdwn.link("javascript:alert(1)", "Change request")).isNull();
    assertThat(Mrkdwn.link("https://x.example/a|b", "Change request")).isNull();
    assertThat(Mrkdwn.link("https://x.example/pr/1?a=1&b=2", "Change request"))
        .isEqualTo("<https://x.example/pr/1?a=1&amp;b=2|Change request>");
  }
}
