package dev.rotor.notifier.routing;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.slack.FakeSlack;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.notifier.slack.InjectFakeSlack;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which channels hear of which events, and how a rotation's messages form one thread each. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class RoutingAndThreadingTest {
  private static final String CHANGE_REQUEST = "https://git.example.com/platform/aether/pull/42";

  @InjectFakeSlack FakeSlack slack;

  @Inject MeterRegistry registry;

  @AfterEach
  void endScriptedTrouble() {
    slack.reset();
  }

  @Test
  void sendsEveryStepToSecurityOpsFailuresAlsoToPlatformAlertsAndTheReviewToReviewers() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope proposed =
        TestEvents.of(
            EventType.MANIFEST_PROPOSED,
            rotation,
            data -> data.put("changeRequestUrl", CHANGE_REQUEST));
    List<EventEnvelope> later =
        List.of(
            TestEvents.of(EventType.MANIFEST_APPROVED, rotation),
            TestEvents.of(EventType.ROLLOUT_STARTED, rotation),
            TestEvents.of(EventType.ROLLOUT_FAILED, rotation),
            TestEvents.of(EventType.VERIFICATION_INCONCLUSIVE, rotation),
            TestEvents.of(EventType.ROLLBACK_FAILED, rotation),
            TestEvents.of(EventType.ROTATION_ROLLED_BACK, rotation),
            TestEvents.of(EventType.ROTATION_FAILED, rotation));
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, proposed);
      await()
          .atMost(TIMEOUT)
          .until(() -> slack.messagesMentioning(rotation).size() == 2); // security-ops, reviewers
      later.forEach(event -> TestEvents.produce(client, event));
    }

    Map<String, Set<String>> expected = new TreeMap<>();
    expected.put(
        "#security-ops",
        Set.of(
            "manifest.proposed",
            "manifest.approved",
            "rollout.started",
            "rollout.failed",
            "verification.inconclusive",
            "rollback.failed",
            "rotation.rolled-back",
            "rotation.failed"));
    expected.put(
        "#platform-alerts",
        Set.of(
            "rollout.failed",
            "verification.inconclusive",
            "rollback.failed",
            "rotation.rolled-back",
            "rotation.failed"));
    expected.put("#rotor-reviews", Set.of("manifest.proposed"));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(typesByChannel(rotation)).isEqualTo(expected));
    assertThat(slack.messagesMentioning(rotation)).hasSize(14);

    FakeSlack.Message review = only(rotation, "#rotor-reviews", "manifest.proposed");
    assertThat(review.blocks().toString())
        .contains("<" + CHANGE_REQUEST + "|Change request>")
        .contains("<https://ledger.rotor.example/rotations/" + rotation + "|Ledger record>")
        .contains(SampleEvents.FINGERPRINT)
        .contains(SampleEvents.TARGET);
    // A later failure in another channel still shows the fingerprint and links the change request.
    FakeSlack.Message failure = only(rotation, "#platform-alerts", "rollout.failed");
    assertThat(failure.blocks().toString())
        .contains("PROGRESS_DEADLINE_EXCEEDED")
        .contains("deployment/secrets-service exceeded its progress deadline")
        .contains("aether-staging")
        .contains(SampleEvents.FINGERPRINT)
        .contains("<" + CHANGE_REQUEST + "|Change request>");
    assertThat(only(rotation, "#platform-alerts", "rollback.failed").text())
        .startsWith("<!subteam^S0ROTOR> ");
  }

  @Test
  void repliesInTheRotationsThreadWithTheFirstMessagesTsInEveryChannel() {
    String rotation = TestEvents.newRotationId();
    String other = TestEvents.newRotationId();
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, TestEvents.of(EventType.ROTATION_REQUESTED, rotation));
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(rotation).size() == 1);
      TestEvents.produce(client, TestEvents.of(EventType.KEY_GENERATED, rotation));
      TestEvents.produce(client, TestEvents.of(EventType.ROTATION_REQUESTED, other));
      TestEvents.produce(client, TestEvents.of(EventType.MANIFEST_PROPOSED, rotation));
      TestEvents.produce(client, TestEvents.of(EventType.ROLLOUT_FAILED, rotation));
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(rotation).size() == 6);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(other).size() == 1);
      TestEvents.produce(client, TestEvents.of(EventType.KEY_GENERATED, other));
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(other).size() == 2);
    }

    FakeSlack.Message first = only(rotation, "#security-ops", "rotation.requested");
    assertThat(first.threadTs()).as("the first message starts the thread").isNull();
    List<FakeSlack.Message> replies =
        inChannel(rotation, "#security-ops").stream().filter(m -> m != first).toList();
    assertThat(replies).hasSize(3).allSatisfy(m -> assertThat(m.threadTs()).isEqualTo(first.ts()));
    assertThat(only(rotation, "#security-ops", "rollout.failed").broadcast())
        .as("a failure is shown in the channel too")
        .isTrue();
    assertThat(only(rotation, "#security-ops", "key.generated").broadcast()).isFalse();
    // Other channels have threads of their own, started by their first message of the rotation.
    assertThat(only(rotation, "#rotor-reviews", "manifest.proposed").threadTs()).isNull();
    assertThat(only(rotation, "#platform-alerts", "rollout.failed").threadTs()).isNull();
    // Another rotation gets its own thread.
    FakeSlack.Message otherFirst = only(other, "#security-ops", "rotation.requested");
    assertThat(otherFirst.threadTs()).isNull();
    assertThat(otherFirst.ts()).isNotEqualTo(first.ts());
    assertThat(only(other, "#security-ops", "key.generated").threadTs()).isEqualTo(otherFirst.ts());
  }

  @Test
  void sendsATeamChannelTheWarningsAboutItsOwnTargetsOnly() {
    String rotation = TestEvents.newRotationId();
    EventEnvelope paymentsRejected =
        TestEvents.of(
            EventType.ROTATION_REJECTED,
            rotation,
            data -> data.put("targetId", "payments/api-key"));
    EventEnvelope paymentsRequested =
        TestEvents.of(
            EventType.ROTATION_REQUESTED,
            rotation,
            data -> data.put("targetId", "payments/api-key"));
    EventEnvelope aetherRejected = TestEvents.of(EventType.ROTATION_REJECTED, rotation);
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, paymentsRequested);
      TestEvents.produce(client, paymentsRejected);
      TestEvents.produce(client, aetherRejected);
    }

    await().atMost(TIMEOUT).until(() -> inChannel(rotation, "#security-ops").size() == 3);
    assertThat(inChannel(rotation, "#payments-team"))
        .extracting(FakeSlack.Message::eventId)
        .containsExactly(paymentsRejected.id());
  }

  @Test
  void remindsSecurityOpsOfADueRotationAndPostsNothingForLedgerCheckpoints() {
    EventEnvelope due = TestEvents.of(EventType.ROTATION_DUE, null);
    EventEnvelope checkpoint = TestEvents.of(EventType.LEDGER_CHECKPOINT, null);
    Counter skipped =
        registry.counter(
            "rotor.notifier.events", "type", "ledger.checkpoint", "outcome", "not-routed");
    double skippedBefore = skipped.count();
    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, due);
      TestEvents.produce(client, checkpoint);
    }

    await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(due.id()).size() == 1);
    FakeSlack.Message reminder = slack.messagesMentioning(due.id()).get(0);
    assertThat(reminder.channel()).isEqualTo("#security-ops");
    assertThat(reminder.threadTs()).isNull();
    assertThat(reminder.blocks().toString()).contains("Rotation due").contains("P90D");
    await().atMost(TIMEOUT).until(() -> skipped.count() > skippedBefore);
    assertThat(slack.messagesMentioning(checkpoint.id())).isEmpty();
  }

  private Map<String, Set<String>> typesByChannel(String rotation) {
    return slack.messagesMentioning(rotation).stream()
        .collect(
            Collectors.groupingBy(
                FakeSlack.Message::channel,
                TreeMap::new,
                Collectors.mapping(
                    FakeSlack.Message::type, Collectors.toCollection(TreeSet::new))));
  }

  private List<FakeSlack.Message> inChannel(String rotation, String channel) {
    return slack.messagesMentioning(rotation).stream()
        .filter(m -> m.channel().equals(channel))
        .toList();
  }

  private FakeSlack.Message only(String rotation, String channel, String type) {
    List<FakeSlack.Message> found =
        inChannel(rotation, channel).stream().filter(m -> type.equals(m.type())).toList();
    assertThat(found).as("%s messages in %s", type, channel).hasSize(1);
    return found.get(0);
  }
}
