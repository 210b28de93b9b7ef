package dev.rotor.keygen.cadence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.Checks;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CadenceIdsTest {
  private static final Instant DUE = Instant.parse("2027-02-24T06:00:00.123Z");

  @Test
  void theRotationIdOfADueDateIsTheSameEveryTimeAndAValidRotationId() {
    String id = CadenceIds.rotationId("aether-services/secrets-service-config", DUE);

    assertThat(id)
        .isEqualTo(CadenceIds.rotationId("aether-services/secrets-service-config", DUE))
        .startsWith("cadence-20270224T060000123Z-")
        .hasSize(40);
    assertThat(Checks.rotationId(id, "rotationId")).isEqualTo(id);
  }

  @Test
  void anotherTargetOrAnotherDueDateGetsAnotherRotationId() {
    String id = CadenceIds.rotationId("a/b", DUE);

    assertThat(CadenceIds.rotationId("a/c", DUE)).isNotEqualTo(id);
    assertThat(CadenceIds.rotationId("a/b", DUE.plusMillis(1))).isNotEqualTo(id);
  }

  @Test
  void theReminderAndTheRequestOfOneDueDateHaveDistinctStableEventIds() {
    assertThat(CadenceIds.eventId("reminder", "a/b", DUE))
        .isEqualTo(CadenceIds.eventId("reminder", "a/b", DUE))
        .isNotEqualTo(CadenceIds.eventId("request", "a/b", DUE));
  }
}
