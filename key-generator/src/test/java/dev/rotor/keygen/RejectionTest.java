package dev.rotor.keygen;

import static dev.rotor.keygen.support.RotorEvents.answers;
import static dev.rotor.keygen.support.RotorEvents.awaitKey;
import static dev.rotor.keygen.support.RotorEvents.awaitRejection;
import static dev.rotor.keygen.support.RotorEvents.newRotationId;
import static dev.rotor.keygen.support.RotorEvents.publish;
import static dev.rotor.keygen.support.RotorEvents.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.support.Database;
import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.Scrape;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every reason a request is refused: one rotation.rejected, with a message a person can act on. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class RejectionTest {
  private static KafkaTestClient kafka;

  @Inject DataSource dataSource;

  @BeforeAll
  static void connect() {
    kafka = new KafkaTestClient();
  }

  @AfterAll
  static void disconnect() {
    kafka.close();
  }

  @Test
  void aTargetThePolicyDoesNotListIsRejectedAsUnknownTargetAndGetsNoKey() {
    EventEnvelope request = request(newRotationId(), "payments/not-in-policy");
    double before = rejections(Rejection.UNKNOWN_TARGET);
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.UNKNOWN_TARGET);
    assertThat(rejection.rotationId()).isEqualTo(request.rotationId());
    assertThat(rejection.message())
        .contains("payments/not-in-policy")
        .contains("not in the rotation policy policy-main.yaml")
        .contains("docs/policy.md");
    assertOnlyRejected(request);
    assertThat(rejections(Rejection.UNKNOWN_TARGET)).isEqualTo(before + 1);
  }

  @Test
  void aRequestThatNamesNoRequesterIsRejectedAsInvalidRequest() {
    EventEnvelope request =
        request(newRotationId(), TestPolicy.REJECT_INVALID, null, "quarterly", List.of());
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.INVALID_REQUEST);
    assertThat(rejection.message()).startsWith("requestedBy: is required");
    assertOnlyRejected(request);
  }

  @Test
  void aReasonLongerThanTheConfiguredLimitIsRejectedAsInvalidRequestSayingBothLengths() {
    EventEnvelope request =
        request(newRotationId(), TestPolicy.REJECT_INVALID, "alice", "x".repeat(1025), List.of());
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.INVALID_REQUEST);
    assertThat(rejection.message())
        .isEqualTo(
            "reason: is 1025 characters, more than the 1024 allowed; say why in fewer words");
  }

  @Test
  void aRequesterWithControlCharactersIsRejectedWithoutRepeatingIt() {
    EventEnvelope request =
        request(
            newRotationId(),
            TestPolicy.REJECT_INVALID,
            "mallory\nROTOR-1010 forged log line",
            null,
            List.of());
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.INVALID_REQUEST);
    assertThat(rejection.message())
        .isEqualTo("requestedBy: contains control or invisible formatting characters")
        .doesNotContain("mallory");
  }

  @Test
  void stagesOutOfPolicyOrderAreRejectedAsInvalidRequestNamingTheOrder() {
    EventEnvelope request =
        request(
            newRotationId(),
            TestPolicy.REJECT_STAGES,
            "alice",
            null,
            List.of(TestPolicy.PRODUCTION, TestPolicy.STAGING));
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.INVALID_REQUEST);
    assertThat(rejection.message())
        .contains("'test-staging' is requested after 'test-production'")
        .contains("test-staging -> test-canary -> test-production");
    assertOnlyRejected(request);
  }

  @Test
  void aStageRequestedTwiceIsRejectedAsInvalidRequest() {
    EventEnvelope request =
        request(
            newRotationId(),
            TestPolicy.REJECT_STAGES,
            "alice",
            null,
            List.of(TestPolicy.STAGING, TestPolicy.STAGING));
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.INVALID_REQUEST);
    assertThat(rejection.message()).contains("'test-staging' is requested more than once");
  }

  @Test
  void aStageThatIsNotEvenAClusterNameIsRejectedWithoutRepeatingIt() {
    EventEnvelope request =
        request(
            newRotationId(),
            TestPolicy.REJECT_STAGES,
            "alice",
            null,
            List.of("$(touch /tmp/pwned)"));
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.INVALID_REQUEST);
    assertThat(rejection.message())
        .startsWith("stages: not a valid cluster name")
        .doesNotContain("touch");
  }

  @Test
  void aClusterThePolicyDoesNotGiveTheTargetIsRejectedAsPolicyViolation() {
    EventEnvelope request =
        request(
            newRotationId(),
            TestPolicy.REJECT_STAGES,
            "alice",
            null,
            List.of(TestPolicy.STAGING, "other-production"));
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.POLICY_VIOLATION);
    assertThat(rejection.message())
        .isEqualTo(
            "stages: the policy does not rotate reject-stages/app-key on 'other-production';"
                + " its stages run on test-staging, test-canary, test-production (request a"
                + " subset of those, in that order, or none for all)");
    assertOnlyRejected(request);
  }

  @Test
  void aRequestNamingThousandsOfClustersOutsideThePolicyGetsAShortPolicyViolationThatIsSent() {
    // About 10,500 valid cluster names: the request fits in an event, a rejection naming every
    // one of them would not, and could never be sent.
    List<String> clusters = new ArrayList<>();
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; clusters.size() < 10_500; i++) {
      clusters.add(
          ""
              + alphabet.charAt(i / (36 * 36))
              + alphabet.charAt(i / 36 % 36)
              + alphabet.charAt(i % 36));
    }
    EventEnvelope request =
        request(newRotationId(), TestPolicy.REJECT_STAGES, "alice", null, clusters);
    assertThat(EventCodec.encode(request.data()).length).isLessThan(EventCodec.MAX_DATA_BYTES);
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.POLICY_VIOLATION);
    assertThat(rejection.message())
        .startsWith(
            "stages: the policy does not rotate reject-stages/app-key on 'aaa', 'aab', 'aac',"
                + " 'aad', 'aae', 'aaf', 'aag', 'aah', 'aai', 'aaj' and 10490 more; its stages run"
                + " on test-staging, test-canary, test-production");
    assertThat(rejection.message().length()).isLessThan(1000);
    assertOnlyRejected(request);
  }

  @Test
  void moreStagesThanTheTargetHasAreRejectedAsInvalidRequestSayingHowMany() {
    EventEnvelope request =
        request(
            newRotationId(),
            TestPolicy.REJECT_STAGES,
            "alice",
            null,
            List.of(
                TestPolicy.STAGING,
                TestPolicy.CANARY,
                TestPolicy.PRODUCTION,
                TestPolicy.STAGING,
                TestPolicy.CANARY));
    publish(kafka, request);

    RotationRejected rejection = awaitRejection(kafka, request);

    assertThat(rejection.reason()).isEqualTo(Rejection.INVALID_REQUEST);
    assertThat(rejection.message())
        .isEqualTo(
            "stages: 5 clusters requested, but the policy gives reject-stages/app-key only 3"
                + " stage(s), on test-staging, test-canary, test-production (request a subset of"
                + " those, in that order, each once, or none for all)");
    assertOnlyRejected(request);
  }

  @Test
  void aSecondRequestWhileOneIsInFlightIsRejectedNamingTheRotationWhoStartedItAndWhen() {
    EventEnvelope first = request(newRotationId(), TestPolicy.REJECT_IN_FLIGHT);
    publish(kafka, first);
    KeyGenerated key = awaitKey(kafka, first);
    EventEnvelope second =
        request(newRotationId(), TestPolicy.REJECT_IN_FLIGHT, "bob", "again", List.of());
    publish(kafka, second);

    RotationRejected rejection = awaitRejection(kafka, second);

    assertThat(rejection.reason()).isEqualTo(Rejection.IN_FLIGHT);
    assertThat(rejection.rotationId()).isEqualTo(second.rotationId());
    assertThat(rejection.inFlightRotationId()).isEqualTo(key.rotationId());
    assertThat(rejection.message())
        .startsWith(
            "target reject-in-flight/app-key already has rotation "
                + first.rotationId()
                + " in flight, requested by alice at "
                + key.generatedAt())
        .contains("rotorctl status " + first.rotationId());
    assertOnlyRejected(second);
  }

  @Test
  void ofRequestsForOneTargetDecidedAtOnceExactlyOneIsAdmittedAndTheOthersAreRejectedInFlight() {
    // Requests are decided concurrently (RequestConsumer): the guard must hold between them too.
    List<EventEnvelope> burst =
        IntStream.range(0, 8)
            .mapToObj(i -> request(newRotationId(), TestPolicy.REJECT_IN_FLIGHT_BURST))
            .toList();
    burst.forEach(request -> publish(kafka, request));

    List<EventEnvelope> answers =
        burst.stream()
            .map(
                request ->
                    RotorEvents.awaitEvents(
                            kafka,
                            Topics.KEYS,
                            e ->
                                e.id()
                                        .equals(
                                            RotorEvents.causedId(request, EventType.KEY_GENERATED))
                                    || e.id()
                                        .equals(
                                            RotorEvents.causedId(
                                                request, EventType.ROTATION_REJECTED)),
                            1)
                        .get(0))
            .toList();

    List<KeyGenerated> keys =
        answers.stream()
            .filter(e -> e.data() instanceof KeyGenerated)
            .map(e -> (KeyGenerated) e.data())
            .toList();
    assertThat(keys).hasSize(1);
    assertThat(answers)
        .filteredOn(e -> e.data() instanceof RotationRejected)
        .hasSize(burst.size() - 1)
        .allSatisfy(
            e -> {
              RotationRejected rejection = (RotationRejected) e.data();
              assertThat(rejection.reason()).isEqualTo(Rejection.IN_FLIGHT);
              assertThat(rejection.inFlightRotationId()).isEqualTo(keys.get(0).rotationId());
            });
    assertThat(
            new Database(dataSource)
                .count(
                    "SELECT count(*) FROM rotation WHERE target_id = ? AND status = 'IN_FLIGHT'",
                    TestPolicy.REJECT_IN_FLIGHT_BURST))
        .isEqualTo(1);
  }

  @Test
  void aNewRequestReusingARotationIdIsRejectedAsDuplicateAndLeavesThatRotationAsItWas() {
    EventEnvelope first = request(newRotationId(), TestPolicy.REJECT_DUPLICATE);
    publish(kafka, first);
    awaitKey(kafka, first);
    EventEnvelope reuse =
        EventEnvelope.of(
            new RotationRequested(
                first.rotationId(),
                TestPolicy.REJECT_DUPLICATE,
                "bob",
                "again",
                List.of(),
                Instant.now()),
            RotorEvents.CLI,
            Clock.systemUTC());
    publish(kafka, reuse);

    RotationRejected duplicate = awaitRejection(kafka, reuse);

    assertThat(duplicate.reason()).isEqualTo(Rejection.DUPLICATE);
    assertThat(duplicate.message())
        .startsWith("rotation id " + first.rotationId() + " was requested before")
        .contains("in flight since")
        .contains("send a new request with a new rotation id");
    assertOnlyRejected(reuse);
    EventEnvelope third = request(newRotationId(), TestPolicy.REJECT_DUPLICATE);
    publish(kafka, third);
    assertThat(awaitRejection(kafka, third).inFlightRotationId())
        .as("the rotation that owns the id is still in flight")
        .isEqualTo(first.rotationId());
  }

  @Test
  void aRejectedRequestDoesNotHoldItsTarget() {
    EventEnvelope invalid =
        request(newRotationId(), TestPolicy.REJECT_INVALID, " ", null, List.of());
    publish(kafka, invalid);
    assertThat(awaitRejection(kafka, invalid).reason()).isEqualTo(Rejection.INVALID_REQUEST);

    EventEnvelope valid = request(newRotationId(), TestPolicy.REJECT_INVALID);
    publish(kafka, valid);

    assertThat(awaitKey(kafka, valid).rotationId()).isEqualTo(valid.rotationId());
  }

  private static void assertOnlyRejected(EventEnvelope request) {
    assertThat(answers(kafka, request))
        .extracting(EventEnvelope::type)
        .containsExactly(EventType.ROTATION_REJECTED);
  }

  private static double rejections(Rejection reason) {
    return Scrape.value("rotor_key_generator_rejections_total", "reason=\"" + reason.name() + "\"");
  }
}
