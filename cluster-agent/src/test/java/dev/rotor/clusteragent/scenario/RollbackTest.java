package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLBACK_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLBACK_FAILED;
import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.clusteragent.work.JobJournal;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.PodStatus;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RollbackCompleted;
import dev.rotor.common.event.RollbackFailed;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.kubernetes.ApiFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher.InjectedFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.testsupport.kubernetes.RolloutSimulator.Behaviour;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A rotation rolled back on this cluster: the old key primary again, the new one kept. */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollbackTest extends AgentScenario {
  @Inject JobJournal journal;

  @Test
  @Order(1)
  void aRolledBackManifestIsAppliedAndTheDeploymentRestartedOnceMore() {
    Targets.Target target = Targets.ROLLBACK;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    send(approved(rotation));
    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    String commit = commitRollback(rotation);
    EventEnvelope rolledBack = rolledBack(rotation, commit, List.of(Targets.CLUSTER));

    send(rolledBack);

    RollbackCompleted completed =
        (RollbackCompleted) awaitEvent(rotation.id(), ROLLBACK_COMPLETED).data();
    assertThat(completed.commit()).isEqualTo(commit);
    assertThat(completed.cluster()).isEqualTo(Targets.CLUSTER);
    assertThat(completed.observedPrimaryKeyId()).isEqualTo(old.keyId());
    assertThat(completed.pods()).hasSize(2).extracting(PodStatus::deployment).containsOnly("app");
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
    assertThat(secret(target).getData())
        .as("the new key stays, decrypt-only")
        .containsKey("keyring.key." + rotation.newKey().keyId());
    assertThat(api.rollouts().rollouts(target.namespace(), "app"))
        .extracting(r -> r.templateAnnotations().get("rotor.dev/rotation"))
        .containsExactly(
            rotation.id() + "/distribute", rotation.id() + "/promote", rotation.id() + "/rollback");

    double duplicates = skipped("duplicate");
    send(rolledBack);
    send(approved(rotation));
    await().atMost(TIMEOUT).until(() -> skipped("duplicate") >= duplicates + 1);
    await().atMost(TIMEOUT).until(() -> skipped("rolled-back") >= 1);
    assertThat(restarts(target, "app")).isEqualTo(3);
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  @Test
  @Order(2)
  void aRollbackCommitThatIsNotOnTheBranchFailsTheRollbackAndRestartsNothing() {
    Targets.Target target = Targets.ROLLBACK;
    Rotation rotation = rotate(target, TestKey.generate());
    String offBranch =
        env.git()
            .commit(
                AgentEnvironment.REPOSITORY,
                "unreviewed",
                Map.of(target.path(), "apiVersion: v1\nkind: Secret\n"),
                "Not reviewed");
    int before = restarts(target, "app");

    send(rolledBack(rotation, offBranch, List.of(Targets.CLUSTER)));

    RollbackFailed failed = (RollbackFailed) awaitEvent(rotation.id(), ROLLBACK_FAILED).data();
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.NOT_FOUND);
    assertThat(failed.message())
        .contains("commit " + offBranch + " is not on branch main")
        .contains("applies only what was merged");
    assertThat(restarts(target, "app")).isEqualTo(before);
  }

  /**
   * The rollback of a rotation whose next stage is this cluster's, read before the previous stage's
   * verification.passed (two topics, so in any order): nothing of it starts here.
   */
  @Test
  @Order(3)
  void aStageOfARotationRolledBackBeforeItStartedHereNeverStarts() {
    Targets.Target target = Targets.ROLLED_BACK_FIRST;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    double notApplied = skipped("not-applied");
    double skippedRolledBack = skipped("rolled-back");
    send(rolledBack(rotation, commitRollback(rotation), List.of(Targets.CANARY)));
    await().atMost(TIMEOUT).until(() -> skipped("not-applied") > notApplied);

    send(passed(rotation, Targets.CANARY));

    await().atMost(TIMEOUT).until(() -> skipped("rolled-back") > skippedRolledBack);
    assertThat(restarts(target, "app")).isZero();
    assertThat(events(rotation.id())).as("no rollout.* of the rolled-back rotation").isEmpty();
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  /**
   * A rollback read while the rotation's rollout runs here, then the agent restarts: the rollout
   * does not resume (its promote would make the rolled-back key primary again); the rollback runs.
   */
  @Test
  @Order(4)
  void aRolloutCancelledByARollbackDoesNotResumeAfterARestart() {
    Targets.Target target = Targets.ROLLBACK_RESTART;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    InjectedFault hang =
        api.dispatcher()
            .inject(
                "PATCH",
                "/apis/apps/v1/namespaces/rollback-restart/deployments/app",
                ApiFault.hang(),
                1);
    send(approved(rotation));
    await().atMost(TIMEOUT).until(() -> hang.hits() == 1);
    String commit = commitRollback(rotation);
    send(rolledBack(rotation, commit, List.of(Targets.CLUSTER)));
    await().atMost(TIMEOUT).until(() -> journal.isRolledBack(rotation.id()));

    coordinator.stop();
    coordinator.start();

    RollbackCompleted completed =
        (RollbackCompleted) awaitEvent(rotation.id(), ROLLBACK_COMPLETED).data();
    assertThat(completed.observedPrimaryKeyId()).isEqualTo(old.keyId());
    assertThat(api.rollouts().rollouts(target.namespace(), "app"))
        .extracting(r -> r.templateAnnotations().get("rotor.dev/rotation"))
        .as("the cancelled rollout's promote never ran")
        .containsExactly(rotation.id() + "/rollback");
    assertThat(events(rotation.id())).noneMatch(e -> e.type() == ROLLOUT_COMPLETED);
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  /**
   * The manifest-service lists the clusters it knew had started; a rollback read while this
   * cluster's rollout runs, and not listing it, still rolls it back here once the running phase
   * ends, before the promote.
   */
  @Test
  @Order(5)
  void aRollbackThatDoesNotListThisClusterRollsItBackWhenItsRolloutWasRunningHere() {
    Targets.Target target = Targets.ROLLBACK_UNLISTED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    api.rollouts().behave(target.namespace(), "app", Behaviour.STALL);
    send(approved(rotation));
    await().atMost(TIMEOUT).until(() -> restarts(target, "app") == 1);
    String commit = commitRollback(rotation);

    send(rolledBack(rotation, commit, List.of()));
    await().atMost(TIMEOUT).until(() -> journal.isRolledBack(rotation.id()));
    api.rollouts().behave(target.namespace(), "app", Behaviour.HEALTHY);
    api.rollouts().complete(target.namespace(), "app");

    RollbackCompleted completed =
        (RollbackCompleted) awaitEvent(rotation.id(), ROLLBACK_COMPLETED).data();
    assertThat(completed.cluster()).isEqualTo(Targets.CLUSTER);
    assertThat(completed.observedPrimaryKeyId()).isEqualTo(old.keyId());
    assertThat(api.rollouts().rollouts(target.namespace(), "app"))
        .extracting(r -> r.templateAnnotations().get("rotor.dev/rotation"))
        .containsExactly(rotation.id() + "/distribute", rotation.id() + "/rollback");
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noKeyOrGitCredentialLeakedAndEveryRequestWasWithinTheAgentsRole() throws Exception {
    assertNothingLeaked();
    assertEveryRequestWasWithinTheAgentsRole();
  }
}
