package dev.rotor.keygen.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.common.plan.Stage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Admission's decisions and messages, without a broker or a database. */
class AdmissionTest {
  private static final Admission.Limits LIMITS = new Admission.Limits(20, 10);
  private static final PolicyTarget TARGET = new PolicyTarget(SampleEvents.plan(), null);
  private static final String STAGING = "aether-staging";
  private static final String PRODUCTION = "aether-production";

  @Test
  void aValidRequestForEveryStageIsAdmittedWithThePolicysFullPlan() {
    Decision decision = decide(request("alice", "quarterly", List.of()), Optional.empty());

    assertThat(decision).isEqualTo(new Decision.Admit(SampleEvents.plan()));
  }

  @Test
  void aRequestForOneStageIsAdmittedWithAPlanOfThatStage() {
    Decision decision = decide(request("alice", null, List.of(PRODUCTION)), Optional.empty());

    assertThat(((Decision.Admit) decision).plan().stages())
        .extracting(Stage::cluster)
        .containsExactly(PRODUCTION);
  }

  @Test
  void everyProblemOfTheRequestItselfIsReportedAtOnce() {
    Decision decision =
        decide(request("a".repeat(11), "b".repeat(21), List.of()), Optional.empty());

    assertThat(decision)
        .isEqualTo(
            new Decision.Reject(
                Rejection.INVALID_REQUEST,
                "requestedBy: is 11 characters, more than the 10 allowed; reason: is 21"
                    + " characters, more than the 20 allowed; say why in fewer words"));
  }

  @Test
  void aReasonMayHaveLineBreaksAndTabsButNoOtherControlCharacters() {
    assertThat(decide(request("alice", "line\n\tline", List.of()), Optional.empty()))
        .isInstanceOf(Decision.Admit.class);
    assertThat(decide(request("alice", "bell\u0007", List.of()), Optional.empty()))
        .isEqualTo(
            new Decision.Reject(
                Rejection.INVALID_REQUEST,
                "reason: contains control or invisible formatting characters (only line breaks"
                    + " and tabs are allowed)"));
  }

  @Test
  void aRequesterWithSurroundingWhitespaceIsRefused() {
    Decision decision = decide(request(" alice", null, List.of()), Optional.empty());

    assertThat(((Decision.Reject) decision).message())
        .isEqualTo("requestedBy: has leading or trailing whitespace");
  }

  @Test
  void theRequestIsCheckedBeforeTheTargetSoAMalformedRequestIsInvalidEvenForAnUnknownTarget() {
    Decision decision =
        Admission.decide(
            request(null, null, List.of()),
            Optional.empty(),
            "policy.yaml",
            LIMITS,
            Optional.empty());

    assertThat(((Decision.Reject) decision).reason()).isEqualTo(Rejection.INVALID_REQUEST);
  }

  @Test
  void anUnknownTargetNamesThePolicyFile() {
    Decision decision =
        Admission.decide(
            request("alice", null, List.of()),
            Optional.empty(),
            "rotor-policy.yaml",
            LIMITS,
            Optional.empty());

    assertThat(decision)
        .isEqualTo(
            new Decision.Reject(
                Rejection.UNKNOWN_TARGET,
                "target aether-services/secrets-service-config is not in the rotation policy"
                    + " rotor-policy.yaml; only targets listed there can be rotated: check the id"
                    + " (<namespace>/<secret name>) or add the target to the policy"
                    + " (docs/policy.md)"));
  }

  @Test
  void stagesThePolicyDoesNotGiveTheTargetAreAPolicyViolationEvenWhenAlsoOutOfOrder() {
    Decision decision =
        decide(request("alice", null, List.of(PRODUCTION, "dr-site", STAGING)), Optional.empty());

    assertThat(((Decision.Reject) decision).reason()).isEqualTo(Rejection.POLICY_VIOLATION);
    assertThat(((Decision.Reject) decision).message()).contains("on 'dr-site'");
  }

  @Test
  void aRotationInFlightIsCheckedLastAndNamedWithItsRequesterAndStart() {
    Instant since = Instant.parse("2026-11-26T06:00:00Z");
    Decision decision =
        decide(
            request("bob", null, List.of()),
            Optional.of(new Admission.InFlight("r-1", "alice", since)));

    assertThat(decision)
        .isEqualTo(
            new Decision.Reject(
                Rejection.IN_FLIGHT,
                "target aether-services/secrets-service-config already has rotation r-1 in"
                    + " flight, requested by alice at 2026-11-26T06:00:00Z; one rotation per"
                    + " target runs at a time: wait until it completes, fails or is rolled back"
                    + " (rotorctl status r-1), then request again",
                "r-1"));
  }

  @Test
  void anInvalidRequestIsReportedAsInvalidEvenWhileARotationIsInFlight() {
    Decision decision =
        decide(
            request("bob", null, List.of(PRODUCTION, STAGING)),
            Optional.of(new Admission.InFlight("r-1", "alice", Instant.EPOCH)));

    assertThat(((Decision.Reject) decision).reason()).isEqualTo(Rejection.INVALID_REQUEST);
  }

  private static Decision decide(RotationRequested request, Optional<Admission.InFlight> inFlight) {
    return Admission.decide(request, Optional.of(TARGET), "policy.yaml", LIMITS, inFlight);
  }

  private static RotationRequested request(String requestedBy, String reason, List<String> stages) {
    return new RotationRequested(
        "r-2", SampleEvents.TARGET, requestedBy, reason, stages, Instant.EPOCH);
  }
}
