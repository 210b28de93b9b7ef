package dev.rotor.clusteragent.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.Phase;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutMarkTest {

  @Test
  void aMarkNamesTheRotationPhaseRotorsRestartTimeAndTheTarget() {
    RolloutMark mark =
        RolloutMark.of(
            Map.of(
                "rotor.dev/rotation", "rot-1/promote",
                "rotor.dev/restarted-at", "2026-11-26T06:00:00+01:00",
                "rotor.dev/target", "payments/app-key",
                "kubectl.kubernetes.io/restartedAt", "2026-11-26T05:00:00Z"));

    assertThat(mark)
        .isEqualTo(
            new RolloutMark(
                "rot-1", Phase.PROMOTE, Instant.parse("2026-11-26T05:00:00Z"), "payments/app-key"));
    assertThat(mark.reached("rot-1", Phase.DISTRIBUTE)).isTrue();
    assertThat(mark.reached("rot-1", Phase.PROMOTE)).isTrue();
    assertThat(mark.reached("rot-1", Phase.ROLLBACK)).isFalse();
    assertThat(mark.reached("rot-2", Phase.DISTRIBUTE)).isFalse();
  }

  @Test
  void aKubectlRolloutRestartDoesNotChangeTheTimeOfRotorsMark() {
    Map<String, String> marked =
        Map.of(
            "rotor.dev/rotation", "rot-0/promote",
            "rotor.dev/restarted-at", "2026-08-01T10:00:00Z",
            "rotor.dev/target", "payments/app-key",
            "kubectl.kubernetes.io/restartedAt", "2026-08-01T10:00:00Z");
    Map<String, String> restartedByHand = new java.util.HashMap<>(marked);
    restartedByHand.put("kubectl.kubernetes.io/restartedAt", "2026-11-27T09:30:00Z");

    assertThat(RolloutMark.of(restartedByHand)).isEqualTo(RolloutMark.of(marked));
    assertThat(RolloutMark.of(restartedByHand).restartedAt())
        .isEqualTo(Instant.parse("2026-08-01T10:00:00Z"));
  }

  @Test
  void aMarkOfAnOlderRotorWithoutItsOwnTimeHasNoKnownTimeOrTarget() {
    RolloutMark mark =
        RolloutMark.of(
            Map.of(
                "rotor.dev/rotation", "rot-0/promote",
                "kubectl.kubernetes.io/restartedAt", "2026-11-27T09:30:00Z"));

    assertThat(mark).isEqualTo(new RolloutMark("rot-0", Phase.PROMOTE, null, null));
  }

  @Test
  void aTemplateWithoutRotorsAnnotationOrWithAForeignValueHasNoMark() {
    RolloutMark none = new RolloutMark(null, null, null, null);
    assertThat(RolloutMark.of(null)).isEqualTo(none);
    assertThat(RolloutMark.of(Map.of("rotor.dev/rotation", "garbage"))).isEqualTo(none);
    assertThat(RolloutMark.of(Map.of("rotor.dev/rotation", "rot-1/sideways"))).isEqualTo(none);
    assertThat(RolloutMark.of(Map.of("kubectl.kubernetes.io/restartedAt", "2026-11-27T09:30:00Z")))
        .isEqualTo(none);
    assertThat(
            RolloutMark.of(
                    Map.of("rotor.dev/rotation", "rot-1/promote", "rotor.dev/restarted-at", "noon"))
                .restartedAt())
        .isNull();
  }
}
