package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLOUT_FAILED;
import static dev.rotor.common.event.EventType.ROLLOUT_STARTED;
import static io.restassured.RestAssured.given;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.clusteragent.work.Job;
import dev.rotor.clusteragent.work.JobJournal;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.Topics;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.kubernetes.ApiFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher.InjectedFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.testsupport.kubernetes.RolloutSimulator.Behaviour;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every way a phase can fail, each with its reason code in {@code rollout.failed}, a message that
 * says what to do, and nothing restarted that should not be.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailureReasonsTest extends AgentScenario {
  @Inject JobJournal journal;

  @Test
  void anApplyTheServiceAccountMayNotDoFailsWithForbiddenAndRestartsNothing() {
    Targets.Target target = Targets.FORBIDDEN;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    InjectedFault forbidden =
        api.dispatcher()
            .inject(
                "PATCH",
                "/api/v1/namespaces/forbidden/secrets/app-key",
                ApiFault.forbidden(
                    "secrets \"app-key\" is forbidden: User"
                        + " \"system:serviceaccount:rotor:rotor-cluster-agent\" cannot patch resource"
                        + " \"secrets\" in API group \"\" in the namespace \"forbidden\""),
                -1);
    try {
      send(approved(rotation));

      RolloutFailed failed = failure(rotation);
      assertThat(failed.reason()).isEqualTo(Reasons.Rollout.FORBIDDEN);
      assertThat(failed.phase()).isEqualTo(Phase.DISTRIBUTE);
      assertThat(failed.message())
          .contains("server-side apply of Secret forbidden/app-key")
          .contains("cannot patch resource \"secrets\"")
          .contains("deploy/k8s/cluster-agent");
      assertThat(restarts(target, "app")).isZero();
      assertThat(primaryOf(target)).isEqualTo(old.keyId());
      assertThat(secret(target).getData())
          .doesNotContainKey("keyring.key." + rotation.newKey().keyId());
    } finally {
      forbidden.remove();
    }
  }

  @Test
  void aDeploymentTheAgentMayNotReadAtTheStartFailsTheStageWithForbiddenInsteadOfHanging()
      throws Exception {
    Targets.Target target = Targets.UNREADABLE;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    InjectedFault forbidden =
        api.dispatcher()
            .inject(
                "GET",
                "/apis/apps/v1/namespaces/unreadable/deployments/app",
                ApiFault.forbidden(
                    "deployments.apps \"app\" is forbidden: User"
                        + " \"system:serviceaccount:rotor:rotor-cluster-agent\" cannot get resource"
                        + " \"deployments\" in API group \"apps\" in the namespace \"unreadable\""),
                -1);
    try {
      send(approved);

      RolloutFailed failed = failure(rotation);
      assertThat(failed.reason()).isEqualTo(Reasons.Rollout.FORBIDDEN);
      assertThat(failed.phase()).isEqualTo(Phase.DISTRIBUTE);
      assertThat(failed.message())
          .contains("read Deployment unreadable/app")
          .contains("cannot get resource \"deployments\"")
          .contains("deploy/k8s/cluster-agent");
      assertThat(restarts(target, "app")).isZero();
      assertThat(primaryOf(target)).isEqualTo(old.keyId());
      assertThat(Files.readString(Paths.get(logFile), UTF_8))
          .as("a failure the agent reports, not a job that ended unexpectedly")
          .doesNotContain("ROTOR-3053 job " + approved.id());
    } finally {
      forbidden.remove();
    }
  }

  @Test
  void anEventOlderThanTheJournalRemembersFailsNothingWhileTheDeploymentsCannotBeRead()
      throws Exception {
    // Perhaps a replay of a stage that ran long ago (offsets reset): only the Deployments' marks
    // could tell, and failing it would ask for a rollback of a rotation that may have ended.
    Targets.Target target = Targets.UNREADABLE_REPLAY;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    EventEnvelope replayed =
        envelope(approved.data(), "manifest-service", Instant.now().minus(Duration.ofDays(400)));
    InjectedFault forbidden =
        api.dispatcher()
            .inject(
                "GET",
                "/apis/apps/v1/namespaces/unreadable-replay/deployments/app",
                ApiFault.forbidden("deployments.apps \"app\" is forbidden"),
                -1);
    try {
      send(replayed);

      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  Files.readString(Paths.get(logFile), UTF_8)
                      .contains(replayed.id() + " is older than this agent remembers"));
      assertThat(events(rotation.id())).noneMatch(e -> e.type() == ROLLOUT_FAILED);
      assertThat(journal.pending(replayed.id())).as("left pending, as before").isPresent();
    } finally {
      forbidden.remove();
      journal.done(replayed.id(), Job.Kind.ROLLOUT, "ended by the test");
    }
  }

  @Test
  void aDeploymentOfThePlanThatDoesNotExistFailsWithNotFound() {
    Targets.Target target = Targets.MISSING;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);

    send(approved(rotation));

    RolloutFailed failed = failure(rotation);
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.NOT_FOUND);
    assertThat(failed.phase()).isEqualTo(Phase.DISTRIBUTE);
    assertThat(failed.message()).contains("Deployment missing/ghost does not exist");
    assertThat(restarts(target, "app")).as("the first Deployment of the plan").isEqualTo(1);
    assertThat(events(rotation.id()))
        .noneMatch(e -> e.type() == ROLLOUT_STARTED && phaseOf(e.data()) == Phase.PROMOTE);
  }

  @Test
  void aSecretFieldSomeoneElseChangedIsNotOverwrittenButFailsWithApplyConflict() {
    Targets.Target target = Targets.CONFLICT;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    String handEdited = Base64.getEncoder().encodeToString("deadbeef".getBytes(UTF_8));
    api.client()
        .secrets()
        .inNamespace(target.namespace())
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(target.secret())
                .withNamespace(target.namespace())
                .endMetadata()
                .addToData("keyring.primary", handEdited)
                .build())
        .fieldManager("platform-team")
        .forceConflicts()
        .serverSideApply();

    send(approved(rotation));

    RolloutFailed failed = failure(rotation);
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.APPLY_CONFLICT);
    assertThat(failed.message())
        .contains("platform-team")
        .contains(".data.keyring.primary")
        .contains("does not overwrite");
    assertThat(secret(target).getData()).containsEntry("keyring.primary", handEdited);
    assertThat(restarts(target, "app")).isZero();
  }

  @Test
  void aDeploymentThatExceedsItsProgressDeadlineFailsAtOnce() {
    Targets.Target target = Targets.DEADLINE;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    api.rollouts().behave(target.namespace(), "app", Behaviour.PROGRESS_DEADLINE_EXCEEDED);

    send(approved(rotation));

    RolloutFailed failed = failure(rotation);
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.PROGRESS_DEADLINE_EXCEEDED);
    assertThat(failed.message())
        .contains("Deployment app exceeded its progress deadline")
        .contains("has timed out progressing");
  }

  @Test
  void aRolloutThatDoesNotFinishWithinTheAgentsDeadlineFailsWithTimeout() {
    Targets.Target target = Targets.STUCK;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    api.rollouts().behave(target.namespace(), "app", Behaviour.STALL);

    send(approved(rotation));

    // While it hangs, the alert RotorStageStuck can see how old the job is and its deadline:
    // two phases of unseal-timeout (PT3S) plus rollout.timeout (PT6S).
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              String metrics = given().get("/q/metrics").then().extract().asString();
              assertThat(gauge(metrics, "rotor_cluster_agent_pending_oldest_seconds"))
                  .isGreaterThanOrEqualTo(1.0);
              assertThat(gauge(metrics, "rotor_cluster_agent_job_deadline_seconds"))
                  .isEqualTo(18.0);
            });

    RolloutFailed failed = failure(rotation);
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.TIMEOUT);
    assertThat(failed.message())
        .contains("did not finish its rollout within PT6S")
        .contains("rotor.cluster-agent.rollout.timeout")
        .contains("1 of 2 new replicas have been updated");
  }

  @Test
  void aSealedSecretTheControllerDoesNotUnsealFailsWithUnsealTimeoutBeforeAnyRestart() {
    Targets.Target target = Targets.UNSEALED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    sealedSecrets().silent(true);
    try {
      send(approved(rotation));

      RolloutFailed failed = failure(rotation);
      assertThat(failed.reason()).isEqualTo(Reasons.Rollout.UNSEAL_TIMEOUT);
      assertThat(failed.message())
          .contains("the sealed-secrets controller did not write Secret unsealed/app-key")
          .contains("key " + rotation.newKey().keyId())
          .contains("within PT3S");
      assertThat(restarts(target, "reader")).isZero();
    } finally {
      sealedSecrets().silent(false);
    }
  }

  @Test
  void aRepositoryTheAgentCannotReachFailsWithGitUnavailable() {
    Targets.Target target = Targets.GITLESS;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);

    send(approved(rotation));

    RolloutFailed failed = failure(rotation);
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.GIT_UNAVAILABLE);
    assertThat(failed.message())
        .contains("cannot fetch branch main of http://127.0.0.1:9/git/gitops.git");
    assertThat(restarts(target, "app")).isZero();
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  @Test
  void aPlanThatAsksForMoreThanThePolicyAllowsIsRefusedWithNotPermittedAndTouchesNothing() {
    Targets.Target target = Targets.DENIED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    Plan allowed = plan(target);
    Stage stage = allowed.stages().get(0);
    Plan widened =
        new Plan(
            allowed.targetId(),
            allowed.namespace(),
            allowed.secretName(),
            allowed.keyring(),
            allowed.manifest(),
            List.of(
                new Stage(
                    stage.cluster(),
                    List.of("app", "coredns"),
                    stage.soak(),
                    stage.thresholds(),
                    stage.maintenanceWindow(),
                    stage.sealingCertificate())),
            allowed.approvals(),
            allowed.verification(),
            allowed.escrowRecipients());

    send(approved(rotation, widened));

    RolloutFailed failed = failure(rotation);
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.NOT_PERMITTED);
    assertThat(failed.message())
        .startsWith("refused: plan.stages[0].deployments: [app, coredns] is not what the policy")
        .contains("allows on cluster aether-staging ([app])");
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
    assertThat(restarts(target, "app")).isZero();
    assertThat(api.dispatcher().requests("PATCH", "/api/v1/namespaces/denied/.*")).isEmpty();
  }

  @Test
  void aTargetThatIsNotInThePolicyIsRefusedWithNotPermittedAndTouchesNothing() {
    Plan allowed = plan(Targets.DENIED);
    Plan foreign =
        new Plan(
            "kube-system/app-key",
            "kube-system",
            "app-key",
            allowed.keyring(),
            allowed.manifest(),
            allowed.stages(),
            allowed.approvals(),
            allowed.verification(),
            allowed.escrowRecipients());
    Rotation rotation =
        new Rotation(
            "rot-" + UUID.randomUUID(),
            Targets.DENIED,
            TestKey.generate(),
            TestKey.generate(),
            "0".repeat(40),
            "1".repeat(40));
    EventEnvelope event =
        envelope(
            new dev.rotor.common.event.ManifestApproved(
                rotation.id(),
                foreign.targetId(),
                foreign,
                rotation.newKey().fingerprint(),
                rotation.promoteCommit(),
                rotation.distributeCommit(),
                rotation.promoteCommit(),
                List.of(),
                false),
            "manifest-service");

    send(event);

    RolloutFailed failed = failure(rotation);
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.NOT_PERMITTED);
    assertThat(failed.message())
        .contains("target kube-system/app-key is not in the agent's policy");
    assertThat(api.dispatcher().requests("PATCH", "/api/v1/namespaces/kube-system/.*")).isEmpty();
    assertThat(api.dispatcher().requests("PATCH", "/apis/apps/v1/namespaces/kube-system/.*"))
        .isEmpty();
  }

  @Test
  void aMalformedRecordGoesToTheDeadLetterTopicWithItsReasonAndTheAgentGoesOn() {
    Targets.Target elsewhere = Targets.ELSEWHERE;
    Rotation notHere =
        new Rotation(
            "rot-" + UUID.randomUUID(),
            elsewhere,
            TestKey.generate(),
            TestKey.generate(),
            "0".repeat(40),
            "1".repeat(40));
    Targets.Target target = Targets.POISON;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope valid = approved(rotation);
    Map<String, String> poison = new LinkedHashMap<>(CloudEventBinding.headers(valid));
    poison.remove("ce_source");
    poison.put("ce_id", "poison-" + UUID.randomUUID());

    long offset =
        kafka
            .produce(Topics.MANIFESTS, valid.subject(), poison, EventCodec.encode(valid.data()))
            .offset();
    send(approved(notHere));
    send(valid);

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    List<ConsumerRecord<byte[], byte[]>> dead =
        kafka.readUntil(
            Topics.DLQ,
            records ->
                records.stream()
                    .anyMatch(
                        r -> poison.get("ce_id").equals(KafkaTestClient.headerValue(r, "ce_id"))),
            TIMEOUT);
    ConsumerRecord<byte[], byte[]> record =
        dead.stream()
            .filter(r -> poison.get("ce_id").equals(KafkaTestClient.headerValue(r, "ce_id")))
            .findFirst()
            .orElseThrow();
    assertThat(KafkaTestClient.headerValue(record, "dead-letter-reason"))
        .isEqualTo("MISSING_ATTRIBUTE ce_source: is required");
    assertThat(KafkaTestClient.headerValue(record, "dead-letter-topic"))
        .isEqualTo(Topics.MANIFESTS);
    assertThat(KafkaTestClient.headerValue(record, "dead-letter-offset"))
        .isEqualTo(Long.toString(offset));
    assertThat(events(notHere.id())).as("a stage on other clusters is not this agent's").isEmpty();
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void everyReasonCodeIsCountedNothingLeakedAndEveryRequestWasWithinTheAgentsRole()
      throws Exception {
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    for (Reasons.Rollout reason : Reasons.Rollout.values()) {
      if (reason == Reasons.Rollout.AGENT_STATE_FULL) {
        continue; // needs a small state.max-bytes: StateBudgetTest counts it
      }
      assertThat(metrics)
          .as("rollouts failed with %s", reason)
          .containsPattern("rotor_cluster_agent_rollouts_total\\{[^}]*reason=\"" + reason + "\"");
    }
    assertThat(metrics).contains("rotor_cluster_agent_rollout_duration_seconds_count");
    assertNothingLeaked();
    assertEveryRequestWasWithinTheAgentsRole();
  }

  private static double gauge(String metrics, String name) {
    java.util.regex.Matcher value =
        java.util.regex.Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? (\\S+)$")
            .matcher(metrics);
    assertThat(value.find()).as("%s in /q/metrics", name).isTrue();
    return Double.parseDouble(value.group(1));
  }

  private RolloutFailed failure(Rotation rotation) {
    EventEnvelope failed = awaitEvent(rotation.id(), ROLLOUT_FAILED);
    return (RolloutFailed) failed.data();
  }
}
