package dev.rotor.clusteragent.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.Phase;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutMarkTest {

  @Test
  void aMarkNamesTheRotationPhaseAndRestartTime() {
    RolloutMark mark =
        RolloutMark.of(
            Map.of(
                "rotor.dev/rotation", "rot-1/promote",
                "kubectl.kubernetes.io/restartedAt", "2026-11-26T06:00:00+01:00"));

    assertThat(mark)
        .isEqualTo(new RolloutMark("rot-1", Phase.PROMOTE, Instant.parse("2026-11-26T05:00:00Z")));
    assertThat(mark.reached("rot-1", Phase.DISTRIBUTE)).isTrue();
    assertThat(mark.reached("rot-1", Phase.PROMOTE)).isTrue();
    assertThat(mark.reached("rot-1", Phase.ROLLBACK)).isFalse();
    assertThat(mark.reached("rot-2", Phase.DISTRIBUTE)).isFalse();
  }

  @Test
  void aTemplateWithoutRotorsAnnotationOrWithAForeignValueHasNoMark() {
    assertThat(RolloutMark.of(null)).isEqualTo(new RolloutMark(null, null, null));
    assertThat(RolloutMark.of(Map.of("rotor.dev/rotation", "garbage")).rotationId()).isNull();
    assertThat(RolloutMark.of(Map.of("rotor.dev/rotation", "rot-1/sideways")).rotationId())
        .isNull();
    assertThat(
            RolloutMark.of(Map.of("kubectl.kubernetes.io/restartedAt", "yesterday")).restartedAt())
        .isNull();
  }
}
