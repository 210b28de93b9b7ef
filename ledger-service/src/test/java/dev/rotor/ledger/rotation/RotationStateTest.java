package dev.rotor.ledger.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The states /ledger/rotations?state= filters by: every status in exactly one of them. */
class RotationStateTest {

  @Test
  void everyStatusIsOfExactlyOneStateAndInFlightMeansRequestedAndNotEnded() {
    List<RotationStatus> all = new ArrayList<>();
    for (RotationState state : RotationState.values()) {
      all.addAll(state.statuses());
    }
    assertThat(all).containsExactlyInAnyOrder(RotationStatus.values());

    assertThat(RotationState.IN_FLIGHT.statuses())
        .containsExactly(
            RotationStatus.REQUESTED,
            RotationStatus.KEY_GENERATED,
            RotationStatus.PROPOSED,
            RotationStatus.APPROVED,
            RotationStatus.ROLLING_OUT,
            RotationStatus.ROLLING_BACK);
    assertThat(RotationState.UNREQUESTED.statuses()).containsExactly(RotationStatus.UNREQUESTED);
    assertThat(RotationState.ENDED.statuses()).allMatch(RotationStatus::terminal);
  }

  @Test
  void theApiNamesParseIgnoringCaseAndUnderscoresAndNothingElseDoes() {
    assertThat(RotationState.parse("in-flight")).contains(RotationState.IN_FLIGHT);
    assertThat(RotationState.parse(" IN_FLIGHT ")).contains(RotationState.IN_FLIGHT);
    assertThat(RotationState.parse("Ended")).contains(RotationState.ENDED);
    assertThat(RotationState.parse("unrequested")).contains(RotationState.UNREQUESTED);
    assertThat(RotationState.parse("inflight")).isEmpty();
    assertThat(RotationState.parse("running")).isEmpty();
    assertThat(RotationState.parse("")).isEmpty();
  }
}
