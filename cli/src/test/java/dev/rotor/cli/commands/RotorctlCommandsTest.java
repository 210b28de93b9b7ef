package dev.rotor.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.cli.Rotorctl;
import dev.rotor.cli.rotation.Script;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotationReviewRejected;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.testsupport.KafkaBroker;
import dev.rotor.testsupport.KafkaTestClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * rotorctl's commands that write, against a real KRaft broker: each publishes exactly the event it
 * promises, with the target id read from the rotation's own events, and refuses clearly what it
 * cannot do.
 */
class RotorctlCommandsTest {
  private static KafkaTestClient KAFKA;

  @BeforeAll
  static void broker() {
    KafkaBroker.createTopics(dev.rotor.common.event.Topics.EVENT_TOPICS.toArray(String[]::new));
    KAFKA = new KafkaTestClient();
  }

  @AfterAll
  static void close() {
    KAFKA.close();
  }

  /** rotorctl with this JVM's broker. */
  private static Rotorctl.Result kafka(String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--bootstrap-servers";
    all[args.length + 1] = KafkaBroker.bootstrapServers();
    return Rotorctl.run(all);
  }

  @Test
  void requestPublishesOneRotationRequestedAsTheOperatorAndPrintsTheNewRotationId() {
    Rotorctl.Result result =
        kafka(
            "request",
            Script.TARGET,
            "--reason",
            "quarterly rotation",
            "--stages",
            "aether-staging",
            "--operator",
            "alice");

    assertThat(result.exitCode()).isZero();
    String rotationId = result.output().strip();
    assertThat(rotationId).matches("[0-9a-f]{12}");
    assertThat(result.errorOutput()).contains("rotorctl watch " + rotationId);
    List<EventEnvelope> published = Topics.eventsOf(KAFKA, "rotor.requests", rotationId);
    assertThat(published).hasSize(1);
    EventEnvelope event = published.get(0);
    assertThat(event.type()).isEqualTo(EventType.ROTATION_REQUESTED);
    assertThat(event.source()).isEqualTo("/rotor/cli");
    assertThat(event.subject()).isEqualTo(Script.TARGET);
    RotationRequested request = (RotationRequested) event.data();
    assertThat(request.requestedBy()).isEqualTo("alice");
    assertThat(request.reason()).isEqualTo("quarterly rotation");
    assertThat(request.stages()).containsExactly("aether-staging");
    assertThat(request.requestedAt()).isBetween(Instant.now().minusSeconds(60), Instant.now());
  }

  @Test
  void requestWithJsonOutputGivesScriptsTheRotationIdAndTheEventId() {
    Rotorctl.Result result = kafka("request", Script.TARGET, "--operator", "alice", "-o", "json");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .matches(
            "\\{\"rotationId\":\"[0-9a-f]{12}\",\"targetId\":\"aether-services/secrets-service-config\","
                + "\"requestedBy\":\"alice\",\"stages\":\\[],\"eventId\":\"[-0-9a-f]{36}\"}");
  }

  @Test
  void approvePublishesRotationApprovedForTheTargetTheRotationsEventsName() {
    String rotationId = proposedRotation();

    Rotorctl.Result result =
        kafka("approve", rotationId, "--operator", "bob", "--comment", "looks right");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .isEqualTo("Approved rotation " + rotationId + " of " + Script.TARGET + " as bob");
    RotationApproved approval = only(rotationId, RotationApproved.class);
    assertThat(approval.targetId()).isEqualTo(Script.TARGET);
    assertThat(approval.approver()).isEqualTo("bob");
    assertThat(approval.force()).isFalse();
    assertThat(approval.comment()).isEqualTo("looks right");
  }

  @Test
  void approvingYourOwnRequestWorksButSaysItDoesNotCount() {
    String rotationId = proposedRotation();

    Rotorctl.Result result = kafka("approve", rotationId, "--operator", "alice");

    assertThat(result.exitCode()).isZero();
    assertThat(result.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7103 note: alice requested this rotation; the policy does not count a"
                + " requester's own approval");
  }

  @Test
  void rejectPublishesRotationReviewRejectedWithTheReviewerAndComment() {
    String rotationId = proposedRotation();

    Rotorctl.Result result =
        kafka("reject", rotationId, "--operator", "bob", "--comment", "wrong window");

    assertThat(result.exitCode()).isZero();
    RotationReviewRejected rejection = only(rotationId, RotationReviewRejected.class);
    assertThat(rejection.targetId()).isEqualTo(Script.TARGET);
    assertThat(rejection.reviewer()).isEqualTo("bob");
    assertThat(rejection.comment()).isEqualTo("wrong window");
  }

  @Test
  void promoteForcePublishesAForcedApprovalWhenAStageIsHeldOnAnInconclusiveVerdict() {
    String rotationId = rotationId();
    Topics.produce(
        KAFKA,
        new Script(rotationId, Instant.now().minusSeconds(600))
            .requested("alice")
            .keyGenerated()
            .proposed()
            .approved("bob")
            .merged("bob")
            .rolledOut(Script.STAGING)
            .soakStarted(Script.STAGING, Duration.ofSeconds(30))
            .after(Duration.ofSeconds(30))
            .inconclusive(Script.STAGING));

    Rotorctl.Result result = kafka("promote", "--force", rotationId, "--operator", "carol");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .isEqualTo(
            "Forced promotion of rotation "
                + rotationId
                + " past the inconclusive verdict on aether-staging as carol");
    List<EventEnvelope> approvals = Topics.eventsOf(KAFKA, "rotor.approvals", rotationId);
    RotationApproved forced = (RotationApproved) approvals.get(approvals.size() - 1).data();
    assertThat(forced.force()).isTrue();
    assertThat(forced.approver()).isEqualTo("carol");
  }

  @Test
  void promoteWithoutAnInconclusiveVerdictIsRefusedAndPublishesNothing() {
    String rotationId = proposedRotation();

    Rotorctl.Result result = kafka("promote", "--force", rotationId, "--operator", "carol");

    assertThat(result.exitCode()).isEqualTo(4);
    assertThat(result.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7105 rotation "
                + rotationId
                + " is not held on an inconclusive verdict (awaiting approval (0 of 1)); nothing"
                + " to force");
    assertThat(Topics.eventsOf(KAFKA, "rotor.approvals", rotationId)).isEmpty();
  }

  @Test
  void rollbackPublishesRotationRollbackRequestedWithWhoAndWhy() {
    String rotationId = proposedRotation();

    Rotorctl.Result result =
        kafka("rollback", rotationId, "--operator", "dave", "--reason", "latency up");

    assertThat(result.exitCode()).isZero();
    RotationRollbackRequested request = only(rotationId, RotationRollbackRequested.class);
    assertThat(request.targetId()).isEqualTo(Script.TARGET);
    assertThat(request.requestedBy()).isEqualTo("dave");
    assertThat(request.reason()).isEqualTo("latency up");
  }

  @Test
  void aDecisionAboutARotationNoEventNamesIsOneClearLineAndPublishesNothing() {
    String rotationId = rotationId();

    Rotorctl.Result result = kafka("approve", rotationId, "--operator", "bob");

    assertThat(result.exitCode()).isEqualTo(4);
    assertThat(result.errorLines())
        .containsExactly(
            "rotorctl: ROTOR-7100 no rotation "
                + rotationId
                + " on Kafka at "
                + KafkaBroker.bootstrapServers()
                + " (rotorctl status lists the rotations)");
    assertThat(Topics.eventsOf(KAFKA, "rotor.approvals", rotationId)).isEmpty();
  }

  @Test
  void aDuplicateRejectionOfARequestThatReusedTheIdDoesNotEndTheRotationItNames() {
    // alice's rotation awaits approval; mallory's later request for another target reuses its id
    // and is answered DUPLICATE. Those two are written first, so they are read first.
    String rotationId = rotationId();
    Instant start = Instant.now().minusSeconds(600);
    Script duplicate =
        new Script(rotationId, start.plusSeconds(300))
            .requested("mallory", "shop/app-key")
            .after(Duration.ofSeconds(1))
            .duplicate("shop/app-key");
    Topics.produce(KAFKA, duplicate);
    Topics.produce(
        KAFKA,
        new Script(rotationId, start)
            .requested("alice")
            .after(Duration.ofSeconds(1))
            .keyGenerated()
            .after(Duration.ofSeconds(1))
            .proposed());

    Rotorctl.Result inFlight = kafka("status", "--in-flight", "--limit", "1000");
    assertThat(inFlight.exitCode()).as(inFlight.errorOutput()).isZero();
    assertThat(inFlight.outputLines().stream().filter(l -> l.startsWith(rotationId)))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains(Script.TARGET, "awaiting approval (0 of 1)", "alice");

    Rotorctl.Result result = kafka("approve", rotationId, "--operator", "alice");

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    assertThat(result.output())
        .isEqualTo("Approved rotation " + rotationId + " of " + Script.TARGET + " as alice");
    assertThat(result.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7103 note: alice requested this rotation; the policy does not count a"
                + " requester's own approval");
    assertThat(only(rotationId, RotationApproved.class).targetId()).isEqualTo(Script.TARGET);
  }

  @Test
  void aRotationIdSeenOnlyThroughARequestThatReusedItIsARejectedRequestNotARotationInFlight() {
    // The rotation the id names aged out of the topics; mallory's request that reused the id and
    // the key-generator's DUPLICATE answer to it (its id derived from the request's) are left.
    String rotationId = rotationId();
    Topics.produce(
        KAFKA,
        new Script(rotationId, Instant.now().minusSeconds(60))
            .requested("mallory", "shop/app-key")
            .after(Duration.ofSeconds(1))
            .duplicate("shop/app-key"));

    Rotorctl.Result inFlight = kafka("status", "shop/app-key", "--in-flight", "--limit", "1000");
    assertThat(inFlight.exitCode()).as(inFlight.errorOutput()).isZero();
    assertThat(inFlight.output()).doesNotContain(rotationId);

    Rotorctl.Result watch = kafka("watch", rotationId, "--no-live", "--max-wait", "PT20S");
    assertThat(watch.exitCode()).as(watch.errorOutput()).isEqualTo(1);
    assertThat(watch.output()).contains("REJECTED: DUPLICATE");

    Rotorctl.Result approve = kafka("approve", rotationId, "--operator", "bob");
    assertThat(approve.exitCode()).isEqualTo(4);
    assertThat(approve.errorOutput()).contains("it already ended (rejected (DUPLICATE))");
    assertThat(Topics.eventsOf(KAFKA, "rotor.approvals", rotationId)).isEmpty();
  }

  @Test
  void aDecisionAboutARotationThatEndedIsRefused() {
    String rotationId = rotationId();
    Topics.produce(
        KAFKA,
        new Script(rotationId, Instant.now().minusSeconds(3600)).healthy(Duration.ofSeconds(20)));

    Rotorctl.Result result = kafka("rollback", rotationId, "--operator", "dave");

    assertThat(result.exitCode()).isEqualTo(4);
    assertThat(result.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7101 cannot roll back rotation "
                + rotationId
                + ": it already ended (completed)");
    assertThat(Topics.eventsOf(KAFKA, "rotor.approvals", rotationId))
        .extracting(EventEnvelope::type)
        .containsExactly(EventType.ROTATION_APPROVED);
  }

  @Test
  void statusListsRotationsNewestFirstWithWhereEachStands() {
    String done = rotationId();
    Topics.produce(
        KAFKA, new Script(done, Instant.now().minusSeconds(7200)).healthy(Duration.ofSeconds(20)));
    String waiting = proposedRotation();

    Rotorctl.Result result = kafka("status", Script.TARGET, "--limit", "500");

    assertThat(result.exitCode()).isZero();
    List<String> lines = result.outputLines();
    assertThat(lines.get(0))
        .startsWith("ROTATION      TARGET                                  STATUS");
    String waitingLine =
        lines.stream().filter(l -> l.startsWith(waiting)).findFirst().orElseThrow();
    String doneLine = lines.stream().filter(l -> l.startsWith(done)).findFirst().orElseThrow();
    assertThat(waitingLine).contains("awaiting approval (0 of 1)", "alice");
    assertThat(doneLine).contains("completed", Script.KEY_ID);
    assertThat(lines.indexOf(waitingLine)).isLessThan(lines.indexOf(doneLine));
  }

  @Test
  void statusInFlightLeavesOutARotationNobodyRequested() {
    // An approval for a made-up rotation id: no rotation.requested on the topics.
    String forged = rotationId();
    Topics.produce(KAFKA, new Script(forged, Instant.now().minusSeconds(30)).approved("mallory"));
    String waiting = proposedRotation();

    Rotorctl.Result inFlight = kafka("status", Script.TARGET, "--in-flight", "--limit", "1000");

    assertThat(inFlight.exitCode()).isZero();
    assertThat(inFlight.output()).contains(waiting).doesNotContain(forged);
    assertThat(inFlight.errorOutput())
        .contains("ROTOR-7205")
        .contains("the topics hold events of but no rotation.requested");
    Rotorctl.Result all = kafka("status", Script.TARGET, "--limit", "1000");
    assertThat(all.outputLines().stream().filter(l -> l.startsWith(forged)))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("unrequested");
  }

  @Test
  void historyShowsWhenWhoOldAndNewKeyCommitAndVerdicts() {
    String done = rotationId();
    Topics.produce(
        KAFKA, new Script(done, Instant.now().minusSeconds(7000)).healthy(Duration.ofSeconds(20)));

    Rotorctl.Result result = kafka("history", Script.TARGET);

    assertThat(result.exitCode()).isZero();
    assertThat(result.outputLines().get(0))
        .startsWith("REQUESTED            ROTATION      OUTCOME");
    assertThat(result.outputLines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains(
                        done,
                        "completed",
                        "alice",
                        "bob",
                        "0a1b2c3d -> 3b1f0c5e",
                        "5d41402",
                        "aether-staging passed, aether-production passed"));
  }

  @Test
  void historyFromTheTopicsMarksARotationNobodyRequestedAsUnrequestedLikeTheLedger() {
    // A whole run on the topics but no rotation.requested (older than retention, or forged), and
    // a lone approval for a made-up rotation id.
    String unrequested = rotationId();
    List<Script.Step> run =
        new Script(unrequested, Instant.now().minusSeconds(6000))
            .healthy(Duration.ofSeconds(20)).steps().stream()
                .filter(step -> !(step.event().data() instanceof RotationRequested))
                .toList();
    run.forEach(step -> Topics.produce(KAFKA, step.event(), step.topic()));
    String forged = rotationId();
    Topics.produce(KAFKA, new Script(forged, Instant.now().minusSeconds(30)).approved("mallory"));
    String done = rotationId();
    Topics.produce(
        KAFKA, new Script(done, Instant.now().minusSeconds(5000)).healthy(Duration.ofSeconds(20)));

    Rotorctl.Result result = kafka("history", Script.TARGET);

    assertThat(result.exitCode()).as(result.errorOutput()).isZero();
    for (String id : List.of(unrequested, forged)) {
      assertThat(result.outputLines().stream().filter(line -> line.contains(id)))
          .as(id)
          .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
          .containsPattern(id + " +unrequested ");
    }
    assertThat(result.outputLines().stream().filter(line -> line.contains(done)))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .containsPattern(done + " +completed ");
  }

  @Test
  void wrongArgumentsGiveOneLineThatSaysWhatIsWrongAndExitTwo() {
    assertUsageError(
        Rotorctl.run("request", "Not A/Target", "--operator", "alice"),
        "rotorctl: ROTOR-7000 <target>: not a target id; expected <namespace>/<secret name> in"
            + " lowercase letters, digits, '-' and '.', e.g. aether-services/secrets-service-config");
    assertUsageError(
        Rotorctl.run("watch"),
        "rotorctl: ROTOR-7000 Missing required parameter: '<rotation-id>'; see 'rotorctl watch"
            + " --help'");
    assertUsageError(
        Rotorctl.run("promote", "0123456789ab"),
        "rotorctl: ROTOR-7000 Missing required option: '--force'; see 'rotorctl promote --help'");
    assertUsageError(
        Rotorctl.run("aprove", "0123456789ab"),
        "rotorctl: ROTOR-7000 Unmatched arguments from index 0: 'aprove', '0123456789ab' (did you"
            + " mean approve or promote or rollback?); see 'rotorctl --help'");
    assertUsageError(
        Rotorctl.run("approve", "../etc/passwd", "--operator", "bob"),
        "rotorctl: ROTOR-7000 <rotation-id>: not a valid rotation id; expected 1-64 letters,"
            + " digits, '.', '_' or '-'");
    assertUsageError(
        Rotorctl.run("status", "--limit", "many"),
        "rotorctl: ROTOR-7000 Invalid value for option '--limit': 'many' is not an int; see"
            + " 'rotorctl status --help'");
    assertUsageError(
        Rotorctl.run("status", "--output", "yaml"),
        "rotorctl: ROTOR-7000 Invalid value for option '--output': expected one of [TEXT, JSON]"
            + " (case-insensitive) but was 'yaml'; see 'rotorctl status --help'");
  }

  @Test
  void aTimeoutThatIsNotPositiveOrLongerThanADayIsAUsageErrorForKafkaAndTheLedger() {
    assertUsageError(
        Rotorctl.run("status", "--timeout", "PT0S"),
        "rotorctl: ROTOR-7000 --timeout: must be positive, e.g. PT10S");
    assertUsageError(
        Rotorctl.run("status", "--timeout", "PT500000000H"),
        "rotorctl: ROTOR-7000 --timeout: PT500000000H is too long; at most PT24H");
    assertUsageError(
        Rotorctl.run(
            "ledger", "verify", "--ledger-url", "http://127.0.0.1:1", "--timeout", "PT-5S"),
        "rotorctl: ROTOR-7000 --timeout: must be positive, e.g. PT10S");
    assertUsageError(
        Rotorctl.run(
            "ledger", "verify", "--ledger-url", "http://127.0.0.1:1", "--timeout", "PT25H"),
        "rotorctl: ROTOR-7000 --timeout: PT25H is too long; at most PT24H");
  }

  @Test
  void aDecisionsReasonOrCommentLongerThanTheNotifierCanQuoteIsAUsageError() {
    String incident = "latency up on aether-production\n".repeat(100);
    assertUsageError(
        Rotorctl.run("rollback", "0123456789ab", "--operator", "dave", "--reason", incident),
        "rotorctl: ROTOR-7000 --reason: 3200 characters; at most 2000 (line breaks count); put the"
            + " rest in the incident or change request and link it");
    for (String command : List.of("approve", "reject")) {
      assertUsageError(
          Rotorctl.run(command, "0123456789ab", "--operator", "bob", "--comment", "x".repeat(2001)),
          "rotorctl: ROTOR-7000 --comment: 2001 characters; at most 2000 (line breaks count); put"
              + " the rest in the incident or change request and link it");
    }
    assertUsageError(
        Rotorctl.run(
            "promote", "0123456789ab", "--force", "--operator", "bob", "--comment", "ok\u001b[2J"),
        "rotorctl: ROTOR-7000 --comment: control characters other than line breaks and tabs");
  }

  @Test
  void aRollbackReasonOfSeveralLinesIsSentAsItIs() {
    String rotationId = proposedRotation();

    Rotorctl.Result result =
        kafka("rollback", rotationId, "--operator", "dave", "--reason", "latency up\n\tsee INC-1");

    assertThat(result.exitCode()).isZero();
    assertThat(only(rotationId, RotationRollbackRequested.class).reason())
        .isEqualTo("latency up\n\tsee INC-1");
  }

  @Test
  void aKafkaThatDoesNotAnswerIsOneLineThatSaysWhereAndHowToFixIt() {
    Rotorctl.Result result =
        Rotorctl.run("status", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "PT2S");

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.errorLines())
        .containsExactly(
            "rotorctl: ROTOR-7001 cannot reach Kafka at 127.0.0.1:1 within 2 s (set"
                + " --bootstrap-servers or ROTOR_KAFKA)");
  }

  @Test
  void everyCommandExplainsItselfWithHelp() {
    for (List<String> command :
        List.<List<String>>of(
            List.of(),
            List.of("request"),
            List.of("watch"),
            List.of("approve"),
            List.of("reject"),
            List.of("promote"),
            List.of("rollback"),
            List.of("status"),
            List.of("history"),
            List.of("ledger"),
            List.of("ledger", "record"),
            List.of("ledger", "checkpoint"),
            List.of("ledger", "verify"),
            List.of("ledger", "proof"),
            List.of("policy"),
            List.of("policy", "validate"))) {
      String[] args =
          java.util.stream.Stream.concat(command.stream(), java.util.stream.Stream.of("--help"))
              .toArray(String[]::new);
      Rotorctl.Result result = Rotorctl.run(args);
      assertThat(result.exitCode()).as(String.join(" ", args)).isZero();
      assertThat(result.output())
          .as(String.join(" ", args))
          .startsWith(("Usage: rotorctl " + String.join(" ", command)).strip());
    }
  }

  private static void assertUsageError(Rotorctl.Result result, String line) {
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.errorLines()).containsExactly(line);
    assertThat(result.output()).isEmpty();
  }

  private static String proposedRotation() {
    String rotationId = rotationId();
    Topics.produce(
        KAFKA,
        new Script(rotationId, Instant.now().minusSeconds(60))
            .requested("alice")
            .after(Duration.ofSeconds(1))
            .keyGenerated()
            .after(Duration.ofSeconds(1))
            .proposed());
    return rotationId;
  }

  private static <T> T only(String rotationId, Class<T> type) {
    List<EventEnvelope> approvals = Topics.eventsOf(KAFKA, "rotor.approvals", rotationId);
    assertThat(approvals).hasSize(1);
    assertThat(approvals.get(0).source()).isEqualTo("/rotor/cli");
    return type.cast(approvals.get(0).data());
  }

  private static String rotationId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }
}
