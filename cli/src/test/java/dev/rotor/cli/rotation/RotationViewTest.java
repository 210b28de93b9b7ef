package dev.rotor.cli.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RotationViewTest {
  private static final Instant START = Instant.parse("2026-11-26T09:00:00Z");
  private static final Duration SOAK = Duration.ofMinutes(10);
  private final RotationView view = new RotationView(ZoneOffset.UTC);

  @Test
  void aSoakingStageShowsBothPhasesDoneAndTheTimeLeftOfItsSoak() {
    Script script =
        new Script("3f9c2a1e7b2d", START)
            .requested("alice")
            .after(Duration.ofSeconds(1))
            .keyGenerated()
            .after(Duration.ofSeconds(1))
            .proposed()
            .after(Duration.ofSeconds(8))
            .approved("bob")
            .after(Duration.ofSeconds(1))
            .merged("bob")
            .after(Duration.ofSeconds(1))
            .rolledOut(Script.STAGING)
            .after(Duration.ofSeconds(1))
            .soakStarted(Script.STAGING, SOAK);
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    List<String> lines = view.render(state, script.now().plus(Duration.ofMinutes(4)), 0);

    assertThat(lines.get(0))
        .isEqualTo("Rotation 3f9c2a1e7b2d  aether-services/secrets-service-config");
    assertThat(lines)
        .contains(
            "  requested by alice at 2026-11-26 09:00:00: \"quarterly rotation\"",
            "  review: branch rotor/aether-services/secrets-service-config/3f9c2a1e; approved by"
                + " bob, merged 5d41402",
            "  aether-staging     distribute [##########] 2s      promote [##########] 2s     "
                + " soak 10m00s [####......] 6m00s left",
            "  aether-production  distribute [..........]         promote [..........]        "
                + " soak 30m00s [..........]",
            "  soaking aether-staging  (4m18s)");
    assertThat(String.join("\n", lines)).contains("new key " + Script.KEY_ID);
  }

  @Test
  void aPassedStageListsItsEvidenceUnderIt() {
    Script script = new Script("3f9c2a1e7b2d", START).healthy(SOAK);
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    List<String> lines = view.render(state, script.now(), 0);

    int staging = indexOfLineStartingWith(lines, "  aether-staging ");
    assertThat(lines.get(staging)).endsWith("soak 10m00s [##########] passed");
    assertThat(lines.get(staging + 1)).isEqualTo("    passed");
    assertThat(lines.get(staging + 2))
        .isEqualTo("      error-rate         0         max 0.0100  baseline 0");
    assertThat(lines.get(staging + 3))
        .isEqualTo("      p99-latency        0.0120    max 0.5000  baseline 0.0110");
    assertThat(lines.get(staging + 5))
        .isEqualTo("      log:required       2         encryption self-test passed in 2 new pods");
  }

  @Test
  void aCompletedRotationEndsWithTheNewFingerprintItsPeopleAndItsVerdicts() {
    Script script = new Script("3f9c2a1e7b2d", START).healthy(SOAK);
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.COMPLETED);
    assertThat(view.summary(state))
        .containsExactly(
            "  COMPLETED after 20m25s: key 3b1f0c5e is primary on aether-staging and"
                + " aether-production",
            "  fingerprint " + Script.FINGERPRINT + " (was " + Script.OLD_FINGERPRINT + ")",
            "  requested by alice, approved by bob, commit 5d41402; verdicts aether-staging"
                + " passed, aether-production passed");
  }

  @Test
  void aRolledBackRotationSaysWhyWhereAndThatTheNewKeyStaysReadable() {
    Script script = new Script("3f9c2a1e7b2d", START).failingInProduction(SOAK);
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    List<String> lines = view.render(state, script.now(), 0);

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.ROLLED_BACK);
    assertThat(lines)
        .contains(
            "    FAILED: ERROR_RATE: 5xx share 0.3000 above 0.01 for 2 checks",
            "      error-rate         0.3000    max 0.0100  baseline 0  5xx share over 1m",
            "    rollback [##########] done  ",
            "  ROLLED BACK after 15m35s: verification failed on aether-production: ERROR_RATE",
            "  aether-staging and aether-production back on the previous primary key; the new key"
                + " 3b1f0c5e stays decrypt-only, so nothing written with it is lost; rollback"
                + " commit 9e107d9");
  }

  @Test
  void eventsFromSeveralTopicsGiveTheSameStateInAnyOrder() {
    Script script = new Script("3f9c2a1e7b2d", START).healthy(SOAK);
    List<EventEnvelope> shuffled = new ArrayList<>(script.events());
    Collections.reverse(shuffled);

    RotationState inOrder = RotationState.of("3f9c2a1e7b2d", script.events());
    RotationState reversed = RotationState.of("3f9c2a1e7b2d", shuffled);

    assertThat(view.render(reversed, script.now(), 0))
        .isEqualTo(view.render(inOrder, script.now(), 0));
  }

  @Test
  void aRepeatedEventChangesNothing() {
    Script script = new Script("3f9c2a1e7b2d", START).requested("alice").keyGenerated();
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    assertThat(state.apply(script.events().get(1))).isFalse();
    assertThat(state.apply(script.events().get(0))).isFalse();
  }

  @Test
  void aProposedRotationWaitsForApprovalAndSaysHowToGiveIt() {
    Script script = new Script("3f9c2a1e7b2d", START).requested("alice").keyGenerated().proposed();
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    assertThat(state.status()).isEqualTo("awaiting approval (0 of 1)");
    assertThat(view.render(state, script.now(), 0))
        .contains("  approve: rotorctl approve 3f9c2a1e7b2d");
  }

  @Test
  void anInconclusiveVerdictHoldsTheRotationUntilSomeoneForcesIt() {
    Script script =
        new Script("3f9c2a1e7b2d", START)
            .requested("alice")
            .keyGenerated()
            .proposed()
            .merged("bob")
            .rolledOut(Script.STAGING)
            .soakStarted(Script.STAGING, SOAK)
            .after(SOAK)
            .inconclusive(Script.STAGING);
    RotationState held = RotationState.of("3f9c2a1e7b2d", script.events());

    assertThat(held.heldStage().cluster()).isEqualTo(Script.STAGING);
    assertThat(held.status())
        .isEqualTo("held: inconclusive on aether-staging, waiting for a person");
    assertThat(view.render(held, script.now(), 0))
        .contains(
            "  decide: rotorctl promote --force 3f9c2a1e7b2d   or   rotorctl rollback 3f9c2a1e7b2d");

    script.after(Duration.ofMinutes(1)).forced("carol");
    RotationState forced = RotationState.of("3f9c2a1e7b2d", script.events());

    assertThat(forced.heldStage()).isNull();
    assertThat(forced.currentStage().cluster()).isEqualTo(Script.PRODUCTION);
  }

  @Test
  void aRolloutInProgressShowsAMovingMarkerAndItsElapsedTime() {
    Script script =
        new Script("3f9c2a1e7b2d", START)
            .requested("alice")
            .keyGenerated()
            .proposed()
            .merged("bob")
            .rolloutStarted(Script.STAGING, Phase.DISTRIBUTE);
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    List<String> first = view.render(state, script.now().plusSeconds(3), 0);
    List<String> next = view.render(state, script.now().plusSeconds(3), 1);

    String staging = first.get(indexOfLineStartingWith(first, "  aether-staging "));
    assertThat(staging).contains("distribute [<=>.......] 3s");
    assertThat(next.get(indexOfLineStartingWith(next, "  aether-staging ")))
        .contains("distribute [.<=>......] 3s");
    assertThat(state.status()).isEqualTo("rolling out aether-staging (distribute)");
  }

  @Test
  void aRejectedRequestNamesTheRotationInFlight() {
    Script script = new Script("3f9c2a1e7b2d", START).requested("alice").rejected();
    RotationState state = RotationState.of("3f9c2a1e7b2d", script.events());

    assertThat(state.outcome()).isEqualTo(RotationState.Outcome.REJECTED);
    assertThat(view.summary(state))
        .containsExactly(
            "  REJECTED: IN_FLIGHT: rotation 0a0b0c0d0e0f of this target is still in flight (in"
                + " flight: rotation 0a0b0c0d0e0f)");
  }

  @Test
  void eventLinesSayWhatEachEventMeansWithoutKeyMaterial() {
    Script script = new Script("3f9c2a1e7b2d", START).healthy(SOAK);
    EventLines lines = new EventLines(ZoneOffset.UTC);

    List<String> all = new ArrayList<>();
    script.events().forEach(event -> all.addAll(lines.describe(event)));

    assertThat(all)
        .startsWith(
            "09:00:00 requested by alice for aether-services/secrets-service-config:"
                + " \"quarterly rotation\"",
            "09:00:01 key 3b1f0c5e generated (fingerprint 3b1f0c5e...9bdf2468); plan:"
                + " aether-staging (soak 10m00s) -> aether-production (soak 30m00s)",
            "09:00:02 change proposed on branch"
                + " rotor/aether-services/secrets-service-config/3f9c2a1e; needs 1 approval"
                + " (security)",
            "09:00:10 approved by bob",
            "09:00:11 merged as 5d41402, approved by bob; first stage aether-staging",
            "09:00:12 aether-staging distribute: rollout started (commit 5d41402)",
            "09:00:14 aether-staging distribute: rollout completed, 2 new pods, primary key"
                + " 0a1b2c3d");
    assertThat(all)
        .last()
        .isEqualTo(
            "09:20:25 rotation completed: key 3b1f0c5e is primary on aether-staging and"
                + " aether-production");
    assertThat(String.join("\n", all)).doesNotContain("AgBy3i4O").doesNotContain("YWdl");
  }

  private static int indexOfLineStartingWith(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError(
        "no line starts with '" + prefix + "' in:\n" + String.join("\n", lines));
  }
}
