package dev.rotor.clusteragent.scenario;

import static dev.rotor.common.event.EventType.ROLLBACK_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLOUT_COMPLETED;
import static dev.rotor.common.event.EventType.ROLLOUT_FAILED;
import static dev.rotor.common.event.EventType.ROLLOUT_STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.clusteragent.work.Job;
import dev.rotor.clusteragent.work.JobJournal;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RolloutWaiting;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.kubernetes.ApiFault;
import dev.rotor.testsupport.kubernetes.ApiRequest;
import dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher.InjectedFault;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import dev.rotor.testsupport.kubernetes.RolloutSimulator.Behaviour;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The agent restarts, loses its watches, and sees events again: none of it restarts a Deployment
 * twice for a phase, and nothing pending is lost. An agent restart is its work stopping without a
 * word and a fresh start from what the cluster holds ({@code Coordinator.stop()/start()}, the code
 * the application runs at shutdown and start-up).
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
class RestartAndReplayTest extends AgentScenario {
  @Inject JobJournal journal;

  @Test
  void
      anAgentKilledBetweenApplyAndRestartRestartsEachDeploymentExactlyOncePerPhaseWhenItComesBack() {
    Targets.Target target = Targets.CRASH;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    InjectedFault hang =
        api.dispatcher()
            .inject("PATCH", "/apis/apps/v1/namespaces/crash/deployments/app", ApiFault.hang(), 1);

    send(approved(rotation));
    await().atMost(TIMEOUT).until(() -> hang.hits() == 1);
    assertThat(secret(target).getData())
        .as("applied before the restart")
        .containsKey("keyring.key." + rotation.newKey().keyId());
    coordinator.stop();
    assertThat(restarts(target, "app")).isZero();

    coordinator.start();

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(restarts(target, "app")).isEqualTo(2);
    assertThat(restarts(target, "worker")).isEqualTo(2);
    assertThat(api.rollouts().rollouts(target.namespace(), "app"))
        .extracting(r -> r.templateAnnotations().get("rotor.dev/rotation"))
        .containsExactly(rotation.id() + "/distribute", rotation.id() + "/promote");
    List<EventEnvelope> events = events(rotation.id());
    assertThat(ids(events, ROLLOUT_COMPLETED)).hasSize(2);
    assertThat(ids(events, ROLLOUT_STARTED))
        .as("rollout.started of distribute is sent again after the restart, with the same id")
        .hasSize(2);
    List<EventEnvelope> distributeStarted =
        events.stream()
            .filter(e -> e.type() == ROLLOUT_STARTED && phaseOf(e.data()) == Phase.DISTRIBUTE)
            .toList();
    assertThat(distributeStarted)
        .as("sent again as it was recorded before the stop: same time, same data (the ledger)")
        .hasSize(2)
        .allSatisfy(e -> assertThat(e).isEqualTo(distributeStarted.get(0)));
    assertThat(events).noneMatch(e -> e.type() == ROLLOUT_FAILED);
  }

  @Test
  void anEndRecordedBeforeTheAgentStoppedIsSentAgainAsItWasAndNotDecidedAgain() {
    Targets.Target target = Targets.DECIDED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job job = Job.of(Job.Kind.ROLLOUT, approved);
    EventEnvelope failed =
        EventEnvelope.causedBy(
            job.eventKey(Phase.DISTRIBUTE),
            new RolloutFailed(
                rotation.id(),
                target.id(),
                job.plan(),
                Targets.CLUSTER,
                Phase.DISTRIBUTE,
                Reasons.Rollout.TIMEOUT,
                "the rollout of app did not finish in time"),
            AGENT_SOURCE,
            Clock.fixed(Instant.now().minusSeconds(90), ZoneOffset.UTC));
    // As an agent leaves the journal when it stops after recording its event, before ending the
    // job: the event may or may not have reached Kafka.
    restartWith(job.withSent(failed));

    EventEnvelope sent = awaitEvent(rotation.id(), ROLLOUT_FAILED);
    assertThat(sent).as("the recorded event, time and data").isEqualTo(failed);
    await().atMost(TIMEOUT).until(() -> journal.pending(approved.id()).isEmpty());
    assertThat(events(rotation.id())).containsExactly(failed);
    assertThat(restarts(target, "app")).as("the failed job is not run again").isZero();
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  @Test
  void aStageWhoseStartWasRecordedWaitsForItsNextWindowAndThenSendsThatStartUnchanged() {
    Targets.Target target = Targets.WINDOW_BEGUN;
    Instant opening = todaysOpening();
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job job = Job.of(Job.Kind.ROLLOUT, approved);
    EventEnvelope started =
        recordedStart(
            job, rotation, Clock.fixed(opening.plus(Duration.ofMinutes(59)), ZoneOffset.UTC));
    // Stopped right after recording rollout.started at 02:59, before any restart; back at 03:05,
    // when the window (02:00-03:00) is closed. Nothing was restarted: the stage waits.
    clock.setTo(opening.plus(Duration.ofMinutes(65)));
    restartWith(job.withSent(started));

    EventEnvelope waiting =
        awaitEvent(rotation.id(), dev.rotor.common.event.EventType.ROLLOUT_WAITING);
    assertThat(((dev.rotor.common.event.RolloutWaiting) waiting.data()).startsAt())
        .isEqualTo(opening.plus(Duration.ofDays(1)));
    assertThat(restarts(target, "app")).isZero();

    clock.setTo(opening.plus(Duration.ofDays(1)).plusSeconds(1));

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(events(rotation.id()))
        .filteredOn(e -> e.type() == ROLLOUT_STARTED && phaseOf(e.data()) == Phase.DISTRIBUTE)
        .as("the recorded start, sent again unchanged when the phase runs")
        .containsOnly(started);
    assertThat(restarts(target, "app")).isEqualTo(2);
    assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());
  }

  @Test
  void aResumedStageCancelledByARollbackSendsWhatItDecidedAndIsRolledBackHere() {
    Targets.Target target = Targets.WINDOW_RESUMED;
    Instant opening = todaysOpening();
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job fresh = Job.of(Job.Kind.ROLLOUT, approved);
    Clock then = Clock.fixed(opening.plus(Duration.ofMinutes(58)), ZoneOffset.UTC);
    EventEnvelope completed = recordedDistributed(fresh, rotation, old, then);
    // Recorded distribute's end at 02:58, then stopped; the job waits for the next window.
    Job held =
        new Job(
            Job.Kind.ROLLOUT,
            approved,
            opening.plus(Duration.ofDays(1)),
            true,
            Set.of(),
            null,
            List.of(completed));
    clock.setTo(opening.plus(Duration.ofMinutes(65)));
    restartWith(held);
    await().atMost(TIMEOUT).until(() -> coordinator.waitingCount() > 0);

    // The manifest-service never heard of this cluster's distribute: its rollback does not list it.
    send(rolledBack(rotation, commitRollback(rotation), List.of()));

    awaitEvent(rotation.id(), dev.rotor.common.event.EventType.ROLLBACK_COMPLETED);
    assertThat(events(rotation.id()))
        .filteredOn(e -> e.type() == ROLLOUT_COMPLETED)
        .as("distribute's recorded end, sent before the job was cancelled")
        .containsExactly(completed);
    assertThat(journal.pending(approved.id())).isEmpty();
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  @Test
  void aRolloutBegunHereIsRolledBackWhenTheAgentStoppedBeforeRecordingTheRollbackJob() {
    Targets.Target target = Targets.ROLLBACK_UNRECORDED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job fresh = Job.of(Job.Kind.ROLLOUT, approved);
    EventEnvelope completed = recordedDistributed(fresh, rotation, old, Clock.systemUTC());
    // Distribute's end recorded; then the rotation's manifest.rolled-back (not listing this
    // cluster) was read and recorded, and the agent stopped before recording the rollback job.
    coordinator.stop();
    journal.put(fresh.withSent(completed));
    journal.rolledBack(rotation.id(), "an-earlier-read-of-the-rollback");
    coordinator.start();

    // Read again after the restart: this cluster's rollout had begun, so it is rolled back here.
    send(rolledBack(rotation, commitRollback(rotation), List.of()));

    awaitEvent(rotation.id(), dev.rotor.common.event.EventType.ROLLBACK_COMPLETED);
    assertThat(journal.pending(approved.id())).as("the held rollout ended").isEmpty();
    assertThat(api.rollouts().rollouts(target.namespace(), "app"))
        .extracting(r -> r.templateAnnotations().get("rotor.dev/rotation"))
        .as("this cluster was rolled back, and the held rollout did not resume")
        .containsExactly(rotation.id() + "/rollback");
    assertThat(events(rotation.id()))
        .filteredOn(e -> e.type() == ROLLOUT_COMPLETED)
        .as("distribute's recorded end, sent before the rollout was ended; no promote")
        .containsExactly(completed);
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
  }

  @Test
  void aResumedStageThatOnlyAnnouncedItsWaitIsNotRolledBackByARollbackThatDoesNotListIt() {
    Targets.Target target = Targets.WINDOW_ANNOUNCED;
    Instant opening = todaysOpening();
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job held = Job.of(Job.Kind.ROLLOUT, approved).waitUntil(opening.plus(Duration.ofDays(1)));
    EventEnvelope waiting =
        EventEnvelope.causedBy(
            held.waitingKey(),
            new RolloutWaiting(
                rotation.id(),
                target.id(),
                held.plan(),
                Targets.CLUSTER,
                Phase.DISTRIBUTE,
                held.notBefore()),
            AGENT_SOURCE,
            Clock.fixed(opening.plus(Duration.ofMinutes(65)), ZoneOffset.UTC));
    // Stopped after sending its wait, before recording it as announced: nothing was applied.
    clock.setTo(opening.plus(Duration.ofMinutes(66)));
    restartWith(held.withSent(waiting));
    await().atMost(TIMEOUT).until(() -> coordinator.waitingCount() > 0);
    double notApplied = skipped("not-applied");

    send(rolledBack(rotation, commitRollback(rotation), List.of()));

    await().atMost(TIMEOUT).until(() -> skipped("not-applied") > notApplied);
    assertThat(journal.pending(approved.id())).isEmpty();
    assertThat(restarts(target, "app")).isZero();
    assertThat(events(rotation.id()))
        .noneMatch(e -> e.type() == dev.rotor.common.event.EventType.ROLLBACK_COMPLETED);
  }

  @Test
  void aJobWhoseRecordedEventsCannotBeReadResumesWithoutThemInsteadOfBeingLost() {
    Targets.Target target = Targets.GARBLED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job job = Job.of(Job.Kind.ROLLOUT, approved);
    EventEnvelope started = recordedStart(job, rotation, Clock.systemUTC());
    coordinator.stop();
    journal.put(job.withSent(started));
    // What a newer agent might have recorded: an event type this one does not know.
    String[] location = journal.location().split("/");
    var configMaps = api.client().configMaps().inNamespace(location[0]).withName(location[1]);
    var state = configMaps.get();
    String key =
        state.getData().entrySet().stream()
            .filter(e -> e.getValue().contains(approved.id()))
            .map(java.util.Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    state
        .getData()
        .put(key, state.getData().get(key).replace(".rollout.started", ".rollout.started-v9"));
    assertThat(state.getData().get(key)).contains("rollout.started-v9");
    api.client().configMaps().inNamespace(location[0]).resource(state).update();

    coordinator.start();

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());
  }

  @Test
  void aPhaseRecordedAsCompletedIsNotRunAgainAndItsEventGoesOutUnchanged() {
    Targets.Target target = Targets.HALF_DONE;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    Job job = Job.of(Job.Kind.ROLLOUT, approved);
    Instant startedAt = Instant.now().minusSeconds(30);
    Clock then = Clock.fixed(startedAt, ZoneOffset.UTC);
    EventEnvelope started = recordedStart(job, rotation, then);
    EventEnvelope completed =
        recordedDistributed(job, rotation, old, Clock.offset(then, Duration.ofSeconds(5)));
    restartWith(job.withSent(started).withSent(completed));

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    List<EventEnvelope> events = events(rotation.id());
    assertThat(events)
        .filteredOn(e -> phaseOf(e.data()) == Phase.DISTRIBUTE)
        .as("distribute's end sent again as recorded; distribute not run again")
        .containsExactly(completed);
    assertThat(api.rollouts().rollouts(target.namespace(), "app"))
        .extracting(r -> r.templateAnnotations().get("rotor.dev/rotation"))
        .containsExactly(rotation.id() + "/promote");
    assertThat(primaryOf(target)).isEqualTo(rotation.newKey().keyId());
  }

  @Test
  void aResumedStageWhoseDistributeCompletedReportsAGitFailureAsPromotesNotDistributes() {
    Targets.Target target = Targets.GITLESS_SECOND;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope passed = passed(rotation, Targets.CANARY);
    // Distribute completed here (its rollout.completed sent) before the agent stopped; it comes
    // back while the repository cannot be reached, and reads the rotation's commits again.
    restartWith(Job.of(Job.Kind.ROLLOUT, passed).withPhaseDone(Phase.DISTRIBUTE));

    RolloutFailed failed = (RolloutFailed) awaitEvent(rotation.id(), ROLLOUT_FAILED).data();
    assertThat(failed.reason()).isEqualTo(Reasons.Rollout.GIT_UNAVAILABLE);
    assertThat(failed.phase())
        .as("distribute was reported as completed: a failure now is promote's")
        .isEqualTo(Phase.PROMOTE);
    await().atMost(TIMEOUT).until(() -> journal.pending(passed.id()).isEmpty());
    assertThat(restarts(target, "app")).isZero();
  }

  @Test
  void aResumedStageWhoseDeploymentsCannotBeReadFailsThePhaseItIsAtInsteadOfStayingPending() {
    Targets.Target target = Targets.UNREADABLE_RESUMED;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    EventEnvelope approved = approved(rotation);
    InjectedFault forbidden =
        api.dispatcher()
            .inject(
                "GET",
                "/apis/apps/v1/namespaces/unreadable-resumed/deployments/app",
                ApiFault.forbidden("cannot get resource \"deployments\""),
                -1);
    try {
      // Distribute completed before the agent stopped; meanwhile its Role lost the Deployments.
      restartWith(Job.of(Job.Kind.ROLLOUT, approved).withPhaseDone(Phase.DISTRIBUTE));

      RolloutFailed failed = (RolloutFailed) awaitEvent(rotation.id(), ROLLOUT_FAILED).data();
      assertThat(failed.reason()).isEqualTo(Reasons.Rollout.FORBIDDEN);
      assertThat(failed.phase()).isEqualTo(Phase.PROMOTE);
      await().atMost(TIMEOUT).until(() -> journal.pending(approved.id()).isEmpty());
      assertThat(restarts(target, "app")).isZero();
    } finally {
      forbidden.remove();
    }
  }

  @Test
  void anAgentRestartedWithNothingPendingCausesNoRollout() {
    Targets.Target target = Targets.IDLE;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    send(approved(rotation));
    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    int sent = events(rotation.id()).size();
    Instant restarted = Instant.now();

    coordinator.stop();
    coordinator.start();

    await().atMost(TIMEOUT).until(coordinator::isReady);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(TIMEOUT)
        .until(() -> restarts(target, "app") == 2 && events(rotation.id()).size() == sent);
    assertThat(writesSince(restarted)).isEmpty();
  }

  @Test
  void aDroppedWatchIsResumedAndTheRolloutCompletes() {
    Targets.Target target = Targets.WATCH;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    api.rollouts().behave(target.namespace(), "app", Behaviour.STALL);
    send(approved(rotation));
    await().atMost(TIMEOUT).until(() -> restarts(target, "app") == 1);
    await().atMost(TIMEOUT).until(() -> watchesOf(target) > 0);
    int watched = watchesOf(target);

    assertThat(api.dispatcher().dropWatches()).isPositive();
    await().atMost(TIMEOUT).until(() -> watchesOf(target) > watched);
    api.rollouts().complete(target.namespace(), "app");

    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    assertThat(events(rotation.id())).noneMatch(e -> e.type() == ROLLOUT_FAILED);
    assertThat(restarts(target, "app")).isEqualTo(2);
  }

  @Test
  void replayedEventsChangeNothingEvenAfterTheAgentForgotThem() {
    Targets.Target target = Targets.REPLAY;
    TestKey old = seed(target);
    Rotation first = rotate(target, old);
    EventEnvelope firstApproved =
        envelope(approved(first).data(), "manifest-service", Instant.now().minusSeconds(60));
    send(firstApproved);
    awaitEvent(first.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    Rotation second = rotate(target, first.newKey());
    EventEnvelope secondApproved = approved(second);
    send(secondApproved);
    awaitEvent(second.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    int rollouts = restarts(target, "app");
    int firstEvents = events(first.id()).size();
    Set<String> secondIds = ids(events(second.id()));
    double duplicates = skipped("duplicate");

    send(firstApproved);
    send(secondApproved);

    await().atMost(TIMEOUT).until(() -> skipped("duplicate") >= duplicates + 2);
    assertThat(restarts(target, "app")).isEqualTo(rollouts);
    assertThat(events(first.id())).hasSize(firstEvents);
    assertThat(primaryOf(target)).isEqualTo(second.newKey().keyId());

    // Someone restarted the Deployment by hand since: it does not hide the later rotation.
    api.client()
        .apps()
        .deployments()
        .inNamespace(target.namespace())
        .withName("app")
        .edit(
            deployment -> {
              deployment
                  .getSpec()
                  .getTemplate()
                  .getMetadata()
                  .getAnnotations()
                  .put("kubectl.kubernetes.io/restartedAt", Instant.now().toString());
              return deployment;
            });
    await().atMost(TIMEOUT).until(() -> restarts(target, "app") == rollouts + 1);
    int withManualRestart = restarts(target, "app");
    clock.advance(Duration.ofDays(15));
    coordinator.stop();
    coordinator.start();
    double stale = skipped("stale");
    double forgotten = skipped("forgotten");
    int secondEvents = events(second.id()).size();
    send(firstApproved);
    send(secondApproved);

    await().atMost(TIMEOUT).until(() -> skipped("stale") >= stale + 1);
    await().atMost(TIMEOUT).until(() -> skipped("forgotten") >= forgotten + 1);
    assertThat(events(second.id()))
        .as("nothing is sent again: new events under the old ids would conflict in the ledger")
        .hasSize(secondEvents);
    assertThat(ids(events(second.id()))).isEqualTo(secondIds);
    assertThat(events(first.id())).hasSize(firstEvents);
    assertThat(restarts(target, "app")).isEqualTo(withManualRestart);
    assertThat(primaryOf(target))
        .as("the first rotation's manifests are not applied again")
        .isEqualTo(second.newKey().keyId());
    assertThat(((ManifestApproved) firstApproved.data()).distributeCommit())
        .isEqualTo(first.distributeCommit());
  }

  @Test
  void aStageRolledOutLongerAgoThanTheJournalRemembersIsStillRolledBack() {
    Targets.Target target = Targets.LATE_ROLLBACK;
    TestKey old = seed(target);
    Rotation rotation = rotate(target, old);
    send(approved(rotation));
    awaitEvent(rotation.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    // The next stage waited (approval, a maintenance window) past state.retention, then failed.
    clock.advance(Duration.ofDays(15));
    coordinator.stop();
    coordinator.start();

    send(rolledBack(rotation, commitRollback(rotation), List.of(Targets.CLUSTER)));

    awaitEvent(rotation.id(), ROLLBACK_COMPLETED);
    assertThat(primaryOf(target)).isEqualTo(old.keyId());
    assertThat(restarts(target, "app")).isEqualTo(3);
  }

  @Test
  void anOldRollbackReplayedAfterTheAgentForgotItNeitherSendsNorRevertsALaterRotation() {
    Targets.Target target = Targets.OLD_ROLLBACK;
    TestKey old = seed(target);
    Rotation first = rotate(target, old);
    send(approved(first));
    awaitEvent(first.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    EventEnvelope firstRolledBack =
        rolledBack(first, commitRollback(first), List.of(Targets.CLUSTER));
    send(firstRolledBack);
    awaitEvent(first.id(), ROLLBACK_COMPLETED);
    int firstEvents = events(first.id()).size();

    // Replayed (a consumer group reset, say) once the journal has forgotten it: the Deployment
    // carries its rollback's mark from longer ago than state.retention.
    clock.advance(Duration.ofDays(15));
    coordinator.stop();
    coordinator.start();
    double forgotten = skipped("forgotten");
    send(firstRolledBack);

    await().atMost(TIMEOUT).until(() -> skipped("forgotten") >= forgotten + 1);
    assertThat(events(first.id()))
        .as("its rollback.completed went out long ago; a new one under its id would conflict")
        .hasSize(firstEvents);
    assertThat(restarts(target, "app")).isEqualTo(3);

    // A later rotation of the same target, then the old rollback replayed once more.
    Rotation second = rotate(target, old);
    send(approved(second));
    awaitEvent(second.id(), ROLLOUT_COMPLETED, Phase.PROMOTE);
    int rollouts = restarts(target, "app");
    clock.advance(Duration.ofDays(15));
    coordinator.stop();
    coordinator.start();
    double stale = skipped("stale");
    send(firstRolledBack);

    await().atMost(TIMEOUT).until(() -> skipped("stale") >= stale + 1);
    assertThat(primaryOf(target))
        .as("the first rotation's rollback manifest would drop the key now primary")
        .isEqualTo(second.newKey().keyId());
    assertThat(secret(target).getData()).containsKey("keyring.key." + second.newKey().keyId());
    assertThat(restarts(target, "app")).isEqualTo(rollouts);
    assertThat(events(first.id())).hasSize(firstEvents);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noKeyOrGitCredentialLeakedAndEveryRequestWasWithinTheAgentsRole() throws Exception {
    assertNothingLeaked();
    assertEveryRequestWasWithinTheAgentsRole();
  }

  /**
   * Stops the agent, records {@code job} as it was pending when the agent stopped, and starts the
   * agent again: it resumes from the journal.
   */
  private void restartWith(Job job) {
    coordinator.stop();
    journal.put(job);
    coordinator.start();
  }

  private List<ApiRequest> writesSince(Instant since) {
    return api.dispatcher().requests().stream()
        .filter(r -> !r.method().equals("GET") && r.at().isAfter(since))
        .filter(r -> r.path().contains("/deployments/") || r.path().contains("/secrets/"))
        .toList();
  }

  private int watchesOf(Targets.Target target) {
    return (int)
        api
            .dispatcher()
            .requests("GET", "/apis/apps/v1/namespaces/" + target.namespace() + "/deployments")
            .stream()
            .filter(r -> r.query().contains("watch=true"))
            .count();
  }

  private static Set<String> ids(List<EventEnvelope> events) {
    return events.stream().map(EventEnvelope::id).collect(Collectors.toSet());
  }

  private static Set<String> ids(
      List<EventEnvelope> events, dev.rotor.common.event.EventType type) {
    return events.stream()
        .filter(e -> e.type() == type)
        .map(EventEnvelope::id)
        .collect(Collectors.toSet());
  }

  /** Today's 02:00 UTC: where the test policy's maintenance windows open (until 03:00). */
  private static Instant todaysOpening() {
    return java.time.LocalDate.now(ZoneOffset.UTC)
        .atTime(java.time.LocalTime.of(2, 0))
        .toInstant(ZoneOffset.UTC);
  }

  /** The {@code rollout.started} of distribute that {@code job} sends, at {@code clock}'s time. */
  private static EventEnvelope recordedStart(Job job, Rotation rotation, Clock clock) {
    return EventEnvelope.causedBy(
        job.eventKey(Phase.DISTRIBUTE),
        new RolloutStarted(
            rotation.id(),
            rotation.target().id(),
            job.plan(),
            Targets.CLUSTER,
            Phase.DISTRIBUTE,
            rotation.distributeCommit()),
        AGENT_SOURCE,
        clock);
  }

  /**
   * The {@code rollout.completed} of distribute that {@code job} sends, at {@code clock}'s time.
   */
  private static EventEnvelope recordedDistributed(
      Job job, Rotation rotation, TestKey old, Clock clock) {
    return EventEnvelope.causedBy(
        job.eventKey(Phase.DISTRIBUTE),
        new RolloutCompleted(
            rotation.id(),
            rotation.target().id(),
            job.plan(),
            Targets.CLUSTER,
            Phase.DISTRIBUTE,
            rotation.distributeCommit(),
            rotation.newKey().fingerprint(),
            old.keyId(),
            List.of(),
            clock.instant()),
        AGENT_SOURCE,
        clock);
  }
}
