package dev.rotor.notifier.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.config.ChannelSettings;
import dev.rotor.notifier.config.ConfigFixtures;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

  private static List<String> channels(Router router, EventEnvelope event) {
    return router.channelsFor(event).stream().map(ChannelSettings::name).toList();
  }

  @Test
  void theDefaultsSendEveryStepToSecurityOpsFailuresToPlatformAlertsAndReviewsToReviewers() {
    Router router = new Router(ConfigFixtures.settings(Map.of()));
    List<String> all = List.of("security-ops");
    List<String> alert = List.of("platform-alerts", "security-ops");
    Map<EventType, List<String>> expected = new EnumMap<>(EventType.class);
    for (EventType type : EventType.values()) {
      expected.put(type, all);
    }
    expected.put(EventType.MANIFEST_PROPOSED, List.of("reviewers", "security-ops"));
    expected.put(EventType.MANIFEST_ROLLED_BACK, alert);
    expected.put(EventType.ROLLOUT_FAILED, alert);
    expected.put(EventType.ROLLBACK_FAILED, alert);
    expected.put(EventType.VERIFICATION_FAILED, alert);
    expected.put(EventType.VERIFICATION_INCONCLUSIVE, alert);
    expected.put(EventType.ROTATION_ROLLED_BACK, alert);
    expected.put(EventType.ROTATION_FAILED, alert);
    expected.put(EventType.LEDGER_CHECKPOINT, List.of());

    for (EventType type : EventType.values()) {
      assertThat(channels(router, SampleEvents.envelope(type)))
          .as("channels of %s", type.eventName())
          .isEqualTo(expected.get(type));
    }
  }

  @Test
  void aTeamChannelTakesItsTargetsAtItsSeverityAndExcludesWhatItExcludes() {
    Router router =
        new Router(
            ConfigFixtures.settings(
                Map.of(
                    "rotor.notifier.channels.payments.targets", "payments/*,billing/api-key",
                    "rotor.notifier.channels.payments.min-severity", "WARNING",
                    "rotor.notifier.channels.payments.events", "manifest.proposed",
                    "rotor.notifier.channels.payments.exclude-events", "rotation.rejected")));
    String rotation = TestEvents.newRotationId();

    assertThat(channels(router, inTarget(EventType.ROTATION_REVIEW_REJECTED, "payments/db-key")))
        .contains("payments");
    assertThat(channels(router, inTarget(EventType.ROTATION_REVIEW_REJECTED, "billing/api-key")))
        .contains("payments");
    assertThat(channels(router, inTarget(EventType.ROTATION_REVIEW_REJECTED, "billing/other")))
        .doesNotContain("payments");
    assertThat(channels(router, inTarget(EventType.ROTATION_APPROVED, "payments/db-key")))
        .as("INFO is below the channel's WARNING")
        .doesNotContain("payments");
    assertThat(channels(router, inTarget(EventType.ROTATION_REJECTED, "payments/db-key")))
        .as("excluded")
        .doesNotContain("payments");
    assertThat(channels(router, TestEvents.of(EventType.MANIFEST_PROPOSED, rotation)))
        .as("another target")
        .doesNotContain("payments");
  }

  @Test
  void eventsWithoutATargetGoOnlyToChannelsThatTakeEveryTarget() {
    Router router =
        new Router(
            ConfigFixtures.settings(
                Map.of(
                    "rotor.notifier.channels.security-ops.exclude-events", "",
                    "rotor.notifier.channels.payments.targets", "payments/*",
                    "rotor.notifier.channels.payments.min-severity", "INFO")));

    assertThat(channels(router, SampleEvents.envelope(EventType.LEDGER_CHECKPOINT)))
        .containsExactly("security-ops");
  }

  private static EventEnvelope inTarget(EventType type, String target) {
    return TestEvents.of(type, TestEvents.newRotationId(), data -> data.put("targetId", target));
  }
}
