package dev.rotor.cli.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Reasons;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request that reuses a rotation id is answered with a DUPLICATE rotation.rejected carrying that
 * id: it is no news of the rotation the id names, whatever order the events are read in.
 */
class RotationStateTest {
  private static final Instant START = Instant.parse("2026-11-26T09:00:00Z");
  private static final String ID = "3f9c2a1e7b2d";
  private static final String OTHER_TARGET = "shop/app-key";

  /** In flight, awaiting approval; then mallory's request for another target reuses its id. */
  private static Script inFlightThenDuplicate() {
    return new Script(ID, START)
        .requested("alice")
        .after(Duration.ofSeconds(1))
        .keyGenerated()
        .after(Duration.ofSeconds(1))
        .proposed()
        .after(Duration.ofMinutes(5))
        .requested("mallory", OTHER_TARGET)
        .after(Duration.ofSeconds(1))
        .duplicate(OTHER_TARGET);
  }

  @Test
  void aDuplicateRejectionOfALaterRequestLeavesTheRotationInFlightAndApprovable() {
    List<EventEnvelope> events = inFlightThenDuplicate().events();

    // In the order written, reversed (the duplicate read first), and the duplicate's two events
    // read before everything else.
    List<EventEnvelope> reversed = new ArrayList<>(events);
    Collections.reverse(reversed);
    List<EventEnvelope> duplicateFirst = new ArrayList<>(events.subList(3, 5));
    duplicateFirst.addAll(events.subList(0, 3));
    for (List<EventEnvelope> order : List.of(events, reversed, duplicateFirst)) {
      RotationState state = RotationState.of(ID, order);

      assertThat(state.outcome()).isEqualTo(RotationState.Outcome.IN_PROGRESS);
      assertThat(state.outcome().terminal()).isFalse();
      assertThat(state.endedAt()).isNull();
      assertThat(state.rejected()).isNull();
      assertThat(state.status()).isEqualTo("awaiting approval (0 of 1)");
      assertThat(state.targetId()).isEqualTo(Script.TARGET);
      assertThat(state.request().targetId()).isEqualTo(Script.TARGET);
      assertThat(state.requestedBy()).isEqualTo("alice");
      assertThat(state.requestedAt()).isEqualTo(START);
      assertThat(state.unrequested()).isFalse();
      assertThat(state.duplicates())
          .singleElement()
          .satisfies(d -> assertThat(d.reason()).isEqualTo(Reasons.Rejection.DUPLICATE));
    }
  }

  @Test
  void theViewNotesTheDuplicateAndGoesOn() {
    RotationState state = RotationState.of(ID, inFlightThenDuplicate().events());
    RotationView view = new RotationView(ZoneOffset.UTC);

    List<String> lines = view.render(state, START.plus(Duration.ofMinutes(6)), 0);

    assertThat(lines.get(0)).isEqualTo("Rotation " + ID + "  " + Script.TARGET);
    assertThat(lines)
        .contains(
            "  requested by alice at 2026-11-26 09:00:00: \"quarterly rotation\"",
            "  note: 1 later request(s) reused this rotation id and were rejected as DUPLICATE;"
                + " they change nothing here")
        .noneMatch(line -> line.contains("REJECTED"));
    assertThat(
            new EventLines(ZoneOffset.UTC).summary(inFlightThenDuplicate().events().get(4).data()))
        .isEqualTo(
            "a request for shop/app-key reused this rotation id: rejected as DUPLICATE (an"
                + " answer to that request, not an end of the rotation the id names)");
  }

  @Test
  void withoutAKeyYetTheFirstRequestMadeIsTheOneTheRotationStandsOn() {
    // The key-generator has not answered alice's request yet when bob's reuses the id.
    Script script =
        new Script(ID, START)
            .requested("alice")
            .after(Duration.ofSeconds(1))
            .requested("bob", OTHER_TARGET)
            .after(Duration.ofSeconds(1))
            .duplicate(OTHER_TARGET);
    List<EventEnvelope> reversed = new ArrayList<>(script.events());
    Collections.reverse(reversed);

    RotationState state = RotationState.of(ID, reversed);

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.IN_PROGRESS);
    assertThat(state.targetId()).isEqualTo(Script.TARGET);
    assertThat(state.requestedBy()).isEqualTo("alice");
    assertThat(state.status()).isEqualTo("requested, waiting for the key-generator");
  }

  @Test
  void aRotationWhoseOwnRequestWasRejectedStillEndsRejected() {
    // alice's request is refused (IN_FLIGHT); bob's later request with the same id is a DUPLICATE.
    Script script =
        new Script(ID, START)
            .requested("alice")
            .after(Duration.ofSeconds(1))
            .rejected()
            .after(Duration.ofMinutes(1))
            .requested("bob", OTHER_TARGET)
            .after(Duration.ofSeconds(1))
            .duplicate(OTHER_TARGET);
    List<EventEnvelope> reversed = new ArrayList<>(script.events());
    Collections.reverse(reversed);

    for (List<EventEnvelope> order : List.of(script.events(), reversed)) {
      RotationState state = RotationState.of(ID, order);

      assertThat(state.outcome()).isEqualTo(RotationState.Outcome.REJECTED);
      assertThat(state.rejected().reason()).isEqualTo(Reasons.Rejection.IN_FLIGHT);
      assertThat(state.endedAt()).isEqualTo(START.plusSeconds(1));
      assertThat(state.status()).isEqualTo("rejected (IN_FLIGHT)");
      assertThat(state.targetId()).isEqualTo(Script.TARGET);
      assertThat(state.requestedBy()).isEqualTo("alice");
    }
  }

  @Test
  void aRejectionForAnyOtherReasonEndsTheRotation() {
    RotationState state =
        RotationState.of(ID, new Script(ID, START).requested("alice").rejected().events());

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.REJECTED);
    assertThat(state.outcome().terminal()).isTrue();
    assertThat(state.duplicates()).isEmpty();
  }

  @Test
  void onlyAReusingRequestAndItsDuplicateSeenIsARejectedRequestNotARotationInFlight() {
    // alice's rotation aged out of the topics (or was not read: another target's); what is left
    // is mallory's request that reused its id and the key-generator's DUPLICATE answer to it.
    Script script =
        new Script(ID, START)
            .requested("mallory", OTHER_TARGET)
            .after(Duration.ofSeconds(1))
            .duplicate(OTHER_TARGET);
    List<EventEnvelope> reversed = new ArrayList<>(script.events());
    Collections.reverse(reversed);

    for (List<EventEnvelope> order : List.of(script.events(), reversed)) {
      RotationState state = RotationState.of(ID, order);

      assertThat(state.outcome()).isEqualTo(RotationState.Outcome.REJECTED);
      assertThat(state.outcome().terminal()).isTrue();
      assertThat(state.rejected().reason()).isEqualTo(Reasons.Rejection.DUPLICATE);
      assertThat(state.endedAt()).isEqualTo(START.plusSeconds(1));
      assertThat(state.status()).isEqualTo("rejected (DUPLICATE)");
      assertThat(state.listedStatus()).isEqualTo("rejected (DUPLICATE)");
      assertThat(state.targetId()).isEqualTo(OTHER_TARGET);
      assertThat(state.requestedBy()).isEqualTo("mallory");
      assertThat(state.duplicates()).isEmpty();
      assertThat(state.unrequested()).isFalse();
    }
  }

  @Test
  void aDuplicateAloneEndsTheRotationIdAsRejected() {
    Script script = new Script(ID, START).duplicateOf("request-not-read", OTHER_TARGET);

    RotationState state = RotationState.of(ID, script.events());

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.REJECTED);
    assertThat(state.targetId()).isEqualTo(OTHER_TARGET);
    assertThat(state.unrequested()).isTrue();
  }

  @Test
  void aRequestThatTheDuplicateDoesNotAnswerIsTheRotationsOwn() {
    // The DUPLICATE answers a request not read; alice's request, not yet answered, is news.
    Script script =
        new Script(ID, START)
            .requested("alice")
            .after(Duration.ofSeconds(1))
            .duplicateOf("another-request", OTHER_TARGET);

    RotationState state = RotationState.of(ID, script.events());

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.IN_PROGRESS);
    assertThat(state.status()).isEqualTo("requested, waiting for the key-generator");
    assertThat(state.targetId()).isEqualTo(Script.TARGET);
    assertThat(state.requestedBy()).isEqualTo("alice");
    assertThat(state.duplicates()).hasSize(1);
    assertThat(state.unrequested()).isFalse();
  }

  @Test
  void theRequestADuplicateAnswersIsNeverTheRotationsOwnWhenItClaimsToBeEarlier() {
    // mallory's request for the same target says it was made before alice's; the key-generator
    // answered it DUPLICATE, and no key is there yet to tell the two apart.
    Script script =
        new Script(ID, START.minus(Duration.ofHours(1)))
            .requested("mallory")
            .after(Duration.ofHours(1))
            .requested("alice");
    List<EventEnvelope> events = new ArrayList<>(script.events());
    EventEnvelope mallorys = events.get(0);
    events.addAll(
        new Script(ID, START.plusSeconds(2)).duplicateOf(mallorys.id(), Script.TARGET).events());

    RotationState state = RotationState.of(ID, events);

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.IN_PROGRESS);
    assertThat(state.requestedBy()).isEqualTo("alice");
    assertThat(state.requestedAt()).isEqualTo(START);
  }

  @Test
  void aKeyWhoseRequestWasNotReadIsNotPinnedOnAnotherRequest() {
    // alice's request aged out; her key is there, and mallory's request that reused the id, whose
    // DUPLICATE answer was not read yet.
    Script other = new Script(ID, START.plusSeconds(60)).requested("mallory", OTHER_TARGET);
    Script sameTarget = new Script(ID, START.plusSeconds(60)).requested("mallory");
    for (Script reuse : List.of(other, sameTarget)) {
      List<EventEnvelope> events =
          new ArrayList<>(new Script(ID, START).keyGenerated().proposed().events());
      events.addAll(reuse.events());

      RotationState state = RotationState.of(ID, events);

      assertThat(state.request()).isNull();
      assertThat(state.requestedBy()).isEqualTo("alice");
      assertThat(state.targetId()).isEqualTo(Script.TARGET);
      assertThat(state.unrequested()).isTrue();
    }
  }
}
