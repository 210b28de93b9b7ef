package dev.rotor.manifest;

import static dev.rotor.manifest.support.Rotations.PATH;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.crypto.AgeIdentity;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RolloutCompleted;
import dev.rotor.common.event.RolloutFailed;
import dev.rotor.common.event.RolloutStarted;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotationReviewRejected;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.Topics;
import dev.rotor.common.event.VerificationFailed;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.manifest.git.Trailers;
import dev.rotor.manifest.review.ReviewGateway;
import dev.rotor.manifest.review.Reviews;
import dev.rotor.manifest.support.Events;
import dev.rotor.manifest.support.FakeGitHub;
import dev.rotor.manifest.support.GitRemote;
import dev.rotor.manifest.support.GitServerResource;
import dev.rotor.manifest.support.Leaks;
import dev.rotor.manifest.support.LineDiff;
import dev.rotor.manifest.support.Rotations;
import dev.rotor.manifest.support.SealingController;
import dev.rotor.testsupport.CapturedLogs;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifest-service as it runs: events in and out over a real Kafka broker, its state in a real
 * PostgreSQL, the manifest in a real Git server over HTTP with basic auth.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    scope = TestResourceScope.MATCHING_RESOURCES,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,"
                    + "rotor.dlq"))
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = GitServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class RotationFlowTest {
  private static final String KEY_GENERATOR = Sources.of("key-generator");
  private static final String STAGING_AGENT = Sources.of("cluster-agent", "aether-staging");
  private static final String VERIFIER = Sources.of("verifier");
  private static final String CLI = "/rotor/cli";
  private static CapturedLogs logs;
  private static SealingController controller;

  @GitServerResource.InjectGitRemote GitRemote remote;
  private static AgeIdentity manifestServiceIdentity;
  @Inject DataSource database;
  @Inject dev.rotor.manifest.rotation.OutboxPurge purge;
  @Inject Reviews reviews;
  @Inject dev.rotor.manifest.rotation.KeyMaterialPurge keyMaterialPurge;
  @Inject dev.rotor.manifest.rotation.RotationWorker worker;
  @Inject io.micrometer.core.instrument.MeterRegistry registry;

  private final Events events = new Events();
  private final List<Rotations.Generated> keys = new ArrayList<>();

  @BeforeAll
  static void captureLogs() {
    logs = CapturedLogs.install();
    controller = SealingController.generate();
    manifestServiceIdentity =
        AgeIdentity.parseIdentityFile(GitServerResource.AGE_IDENTITY_FILE).get(0);
  }

  @AfterEach
  void close() {
    events.close();
    keys.forEach(k -> k.key().close());
  }

  private String repository(String prefix) {
    String name = prefix + "gitops-" + UUID.randomUUID().toString().substring(0, 8);
    return name;
  }

  private String seed(String name, String manifest) {
    return remote.repositoryWith(name, Map.of(PATH, manifest, "README.md", "GitOps\n"));
  }

  private Rotations.Generated key(Plan plan, String requester) {
    Rotations.Generated g =
        Rotations.generate(plan, "rot-" + UUID.randomUUID(), requester, manifestServiceIdentity);
    keys.add(g);
    return g;
  }

  private EventEnvelope send(Object data, String source) {
    return events.send(Events.envelope((dev.rotor.common.event.RotorEvent) data, source));
  }

  private void approve(KeyGenerated key, String approver) {
    send(new RotationApproved(key.rotationId(), key.targetId(), approver, false, "ok"), CLI);
  }

  /** Nothing new for the rotation for a while (the replayed or ignored input changed nothing). */
  private void nothingNewFor(String rotationId, int expectedEvents) {
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> events.manifests(rotationId).size() == expectedEvents);
  }

  @Test
  void aRotationIsProposedMergedAfterTwoOtherTeamMembersApproveAndRolledBackWhenAStageFails() {
    String name = repository("flow-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    String base = remote.branch(name, "main").orElseThrow();
    Plan plan =
        Rotations.plan(
            url,
            ManifestFormat.SEALED_SECRET,
            controller,
            ReviewProvider.LOCAL,
            2,
            List.of("security"),
            2);
    Rotations.Generated generated = key(plan, "alice");
    KeyGenerated key = generated.event();

    EventEnvelope keyEvent = send(key, KEY_GENERATOR);
    ManifestProposed proposed =
        (ManifestProposed) events.await(key.rotationId(), EventType.MANIFEST_PROPOSED).data();

    assertThat(proposed.branch())
        .isEqualTo(
            "rotor/aether-services/secrets-service-config/" + key.rotationId().substring(0, 8));
    assertThat(proposed.previousKeyId()).isEqualTo("aaaaaaaa");
    assertThat(proposed.changeRequestUrl()).isNull();
    assertThat(remote.branch(name, proposed.branch())).contains(proposed.promoteCommit());

    // The requester's own approval, a repeated one and an outsider's do not count.
    approve(key, "alice");
    approve(key, "bob");
    approve(key, "Bob");
    approve(key, "mallory");
    nothingNewFor(key.rotationId(), 1);
    assertThat(remote.branch(name, "main")).contains(base);

    EventEnvelope carol =
        send(new RotationApproved(key.rotationId(), key.targetId(), "carol", false, null), CLI);
    ManifestApproved approved =
        (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();

    assertThat(approved.approvers()).containsExactly("bob", "carol");
    assertThat(approved.mergeCommit()).isEqualTo(proposed.promoteCommit());
    assertThat(approved.distributeCommit()).isEqualTo(proposed.distributeCommit());
    List<RevCommit> history = remote.history(name, "main");
    assertThat(history.stream().map(RevCommit::name).limit(3))
        .containsExactly(proposed.promoteCommit(), proposed.distributeCommit(), base);
    assertThat(Trailers.of(history.get(1)))
        .containsEntry("Rotor-Rotation-Id", key.rotationId())
        .containsEntry("Rotor-Phase", "distribute")
        .containsEntry("Rotor-Key-Fingerprint", key.fingerprint());
    assertThat(Trailers.of(history.get(0))).containsEntry("Rotor-Phase", "promote");
    assertThat(remote.branches(name)).containsExactly("main");

    // Replays of key.generated and of an approval change nothing.
    events.send(keyEvent);
    events.send(carol);
    nothingNewFor(key.rotationId(), 2);
    assertThat(remote.history(name, "main").get(0).name()).isEqualTo(proposed.promoteCommit());
    assertThat(remote.branches(name)).containsExactly("main");

    send(
        new RolloutStarted(
            key.rotationId(),
            key.targetId(),
            plan,
            "aether-staging",
            Phase.DISTRIBUTE,
            approved.distributeCommit()),
        STAGING_AGENT);
    send(
        new RolloutCompleted(
            key.rotationId(),
            key.targetId(),
            plan,
            "aether-staging",
            Phase.PROMOTE,
            approved.promoteCommit(),
            key.fingerprint(),
            key.keyId(),
            List.of(),
            Instant.now()),
        STAGING_AGENT);
    EventEnvelope failure =
        send(
            new VerificationFailed(
                key.rotationId(),
                key.targetId(),
                plan,
                "aether-staging",
                Reasons.Verification.ERROR_RATE,
                "5xx share 4.2% above 1%",
                List.of()),
            VERIFIER);
    ManifestRolledBack rolledBack =
        (ManifestRolledBack) events.await(key.rotationId(), EventType.MANIFEST_ROLLED_BACK).data();

    assertThat(rolledBack.clusters()).containsExactly("aether-staging");
    assertThat(rolledBack.cause())
        .isEqualTo("verification.failed on aether-staging (ERROR_RATE): 5xx share 4.2% above 1%");
    List<RevCommit> after = remote.history(name, "main");
    assertThat(after.get(0).name()).isEqualTo(rolledBack.rollbackCommit());
    assertThat(after.get(1).name()).isEqualTo(approved.promoteCommit());
    assertThat(Trailers.of(after.get(0)))
        .containsEntry("Rotor-Phase", "rollback")
        .containsEntry("Rotor-Keyring-Primary", "aaaaaaaa");
    LineDiff diff =
        LineDiff.of(
            remote.file(name, approved.promoteCommit(), PATH),
            remote.file(name, rolledBack.rollbackCommit(), PATH));
    assertThat(diff.removed()).singleElement().asString().startsWith("    keyring.primary: ");
    assertThat(diff.added()).singleElement().asString().startsWith("    keyring.primary: ");

    // A second trigger and a replayed one roll back nothing more.
    events.send(failure);
    send(
        new RotationRollbackRequested(key.rotationId(), key.targetId(), "carol", "to be sure"),
        CLI);
    nothingNewFor(key.rotationId(), 3);
    assertThat(remote.history(name, "main").get(0).name()).isEqualTo(rolledBack.rollbackCommit());

    assertThat(logs.containing("ROTOR-2001 rotation " + key.rotationId())).hasSize(1);
    assertThat(logs.containing("ROTOR-2002 rotation " + key.rotationId())).hasSize(1);
    assertThat(logs.containing("ROTOR-2003 rotation " + key.rotationId())).hasSize(1);
    assertThat(given().get("/q/metrics").asString())
        .contains("rotor_manifest_service_proposals_total")
        .contains("rotor_manifest_service_merges_total{mode=\"fast_forward\"}")
        .contains("rotor_manifest_service_rollbacks_total");
    assertNoPlaintextAnywhere(generated);
  }

  @Test
  void
      anUnsealTimeoutAtTheFirstDistributeRollsBackWithoutTheNewKeyButOneAfterAPromotedStageKeepsIt() {
    String unsealable = rolledBackAfterUnsealTimeout("unsealable-", false);
    assertThat(unsealable)
        .doesNotContain("keyring.key." + keys.get(keys.size() - 1).event().keyId());

    // Staging completed its promote before production's distribute failed: the key may have
    // encrypted data there, so it stays.
    String promotedElsewhere = rolledBackAfterUnsealTimeout("unsealable-later-", true);
    assertThat(promotedElsewhere)
        .contains("keyring.key." + keys.get(keys.size() - 1).event().keyId() + ":");
  }

  private static String unsealedPrimary(String manifest) {
    for (String line : manifest.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("keyring.primary:")) {
        return new String(
            dev.rotor.common.crypto.SealedSecretSealer.unseal(
                controller.keyPair().getPrivate(),
                Rotations.NAMESPACE,
                Rotations.SECRET,
                trimmed.substring("keyring.primary:".length()).strip()),
            java.nio.charset.StandardCharsets.US_ASCII);
      }
    }
    throw new AssertionError("no keyring.primary in the manifest");
  }

  /**
   * An agent that refuses a stage as it takes it in (its policy does not allow the plan, or its
   * state is full) applied nothing: the rollback does not send it the rollback, which it would
   * refuse for the same reason and fail. A cluster that applied the rotation still rolls back.
   */
  @Test
  void aClusterWhoseAgentRefusedTheStageIsNotAmongThoseToRollBack() {
    String name = repository("refused-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 0, List.of(), 2);

    // Staging promoted; production's agent refused the stage.
    KeyGenerated promoted = key(plan, "alice").event();
    send(promoted, KEY_GENERATOR);
    ManifestApproved approved =
        (ManifestApproved) events.await(promoted.rotationId(), EventType.MANIFEST_APPROVED).data();
    send(
        new RolloutCompleted(
            promoted.rotationId(),
            promoted.targetId(),
            plan,
            "aether-staging",
            Phase.PROMOTE,
            approved.promoteCommit(),
            promoted.fingerprint(),
            promoted.keyId(),
            List.of(),
            Instant.now()),
        STAGING_AGENT);
    send(
        refusal(promoted, plan, "aether-production", Reasons.Rollout.NOT_PERMITTED),
        Sources.of("cluster-agent", "aether-production"));

    ManifestRolledBack rolledBack =
        (ManifestRolledBack)
            events.await(promoted.rotationId(), EventType.MANIFEST_ROLLED_BACK).data();
    assertThat(rolledBack.clusters()).containsExactly("aether-staging");

    // The first stage refused: no stage started (they run in order), so only Git rolls back.
    String name2 = repository("refused-first-");
    String url2 = seed(name2, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan2 =
        Rotations.plan(
            url2, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 0, List.of(), 2);
    KeyGenerated first = key(plan2, "alice").event();
    send(first, KEY_GENERATOR);
    events.await(first.rotationId(), EventType.MANIFEST_APPROVED);
    send(refusal(first, plan2, "aether-staging", Reasons.Rollout.AGENT_STATE_FULL), STAGING_AGENT);

    ManifestRolledBack rolledBack2 =
        (ManifestRolledBack)
            events.await(first.rotationId(), EventType.MANIFEST_ROLLED_BACK).data();
    assertThat(rolledBack2.clusters()).isEmpty();
  }

  private static RolloutFailed refusal(
      KeyGenerated key, Plan plan, String cluster, Reasons.Rollout reason) {
    return new RolloutFailed(
        key.rotationId(),
        key.targetId(),
        plan,
        cluster,
        Phase.DISTRIBUTE,
        reason,
        "refused: nothing was applied on " + cluster);
  }

  /** Merges a sealed rotation, fails a distribute with UNSEAL_TIMEOUT; the rolled-back manifest. */
  private String rolledBackAfterUnsealTimeout(String prefix, boolean stagingPromoted) {
    String name = repository(prefix);
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 0, List.of(), 2);
    KeyGenerated key = key(plan, "alice").event();
    send(key, KEY_GENERATOR);
    ManifestApproved approved =
        (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();
    String failing = "aether-staging";
    if (stagingPromoted) {
      send(
          new RolloutCompleted(
              key.rotationId(),
              key.targetId(),
              plan,
              "aether-staging",
              Phase.PROMOTE,
              approved.promoteCommit(),
              key.fingerprint(),
              key.keyId(),
              List.of(),
              Instant.now()),
          STAGING_AGENT);
      failing = "aether-production";
    }
    send(
        new RolloutFailed(
            key.rotationId(),
            key.targetId(),
            plan,
            failing,
            Phase.DISTRIBUTE,
            Reasons.Rollout.UNSEAL_TIMEOUT,
            "the sealed-secrets controller did not write Secret " + key.targetId()),
        Sources.of("cluster-agent", failing));
    ManifestRolledBack rolledBack =
        (ManifestRolledBack) events.await(key.rotationId(), EventType.MANIFEST_ROLLED_BACK).data();
    String manifest = remote.file(name, rolledBack.rollbackCommit(), PATH);
    assertThat(unsealedPrimary(manifest)).isEqualTo("aaaaaaaa");
    return manifest;
  }

  @Test
  void inputsReplayedAfterTheOutboxPurgedTheirSentEventsChangeNothing() throws Exception {
    String name = repository("purge-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url,
            ManifestFormat.SEALED_SECRET,
            controller,
            ReviewProvider.LOCAL,
            2,
            List.of("security"),
            2);
    KeyGenerated key = key(plan, "alice").event();
    EventEnvelope keyEvent = send(key, KEY_GENERATOR);
    ManifestProposed proposed =
        (ManifestProposed) events.await(key.rotationId(), EventType.MANIFEST_PROPOSED).data();
    approve(key, "bob");
    EventEnvelope carol =
        send(new RotationApproved(key.rotationId(), key.targetId(), "carol", false, null), CLI);
    events.await(key.rotationId(), EventType.MANIFEST_APPROVED);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                count(
                        "select count(*) from outbox where rotation_id = '"
                            + key.rotationId()
                            + "' and sent_at is not null")
                    == 2);

    // Both events were sent more than outbox.keep-sent (P7D) ago: the purge takes them.
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "update outbox set sent_at = sent_at - interval '8 days' where rotation_id = '"
              + key.rotationId()
              + "'");
    }
    purge.purge();
    assertThat(count("select count(*) from outbox where rotation_id = '" + key.rotationId() + "'"))
        .isZero();

    // Replays of key.generated and of the approval that merged: the rotation's status decides,
    // not the outbox, so nothing is proposed, merged or sent again.
    events.send(keyEvent);
    events.send(carol);
    nothingNewFor(key.rotationId(), 2);
    assertThat(count("select count(*) from outbox where rotation_id = '" + key.rotationId() + "'"))
        .isZero();
    assertThat(remote.history(name, "main").get(0).name()).isEqualTo(proposed.promoteCommit());
    assertThat(remote.branches(name)).containsExactly("main");
  }

  @Test
  void aRotationThatEndedLongerThanKeyMaterialKeepAgoLosesItsSealedKeyAndStaysRecognised()
      throws Exception {
    // Old and ended: rolled back after its merge, and failed by a rejection. Recent and ended:
    // failed now. In flight: merged, waiting for its rollouts (no next attempt, no lease: only its
    // status keeps it), and older than key-material.keep.
    KeyGenerated rolledBack = endable("keep-rb-");
    KeyGenerated failed = endable("keep-old-");
    KeyGenerated recent = endable("keep-new-");
    KeyGenerated merged = endable("keep-open-");
    Map<String, EventEnvelope> keyEvents = new java.util.LinkedHashMap<>();
    for (KeyGenerated k : List.of(rolledBack, failed, recent, merged)) {
      keyEvents.put(k.rotationId(), send(k, KEY_GENERATOR));
    }
    for (KeyGenerated k : List.of(rolledBack, failed, recent, merged)) {
      events.await(k.rotationId(), EventType.MANIFEST_PROPOSED);
    }
    approve(rolledBack, "bob");
    approve(merged, "bob");
    for (KeyGenerated k : List.of(failed, recent)) {
      send(new RotationReviewRejected(k.rotationId(), k.targetId(), "bob", "not now"), CLI);
    }
    events.await(rolledBack.rotationId(), EventType.MANIFEST_APPROVED);
    events.await(merged.rotationId(), EventType.MANIFEST_APPROVED);
    send(
        new RotationRollbackRequested(
            rolledBack.rotationId(), rolledBack.targetId(), "carol", "bad key"),
        CLI);
    events.await(rolledBack.rotationId(), EventType.MANIFEST_ROLLED_BACK);
    events.await(failed.rotationId(), EventType.ROTATION_FAILED);
    events.await(recent.rotationId(), EventType.ROTATION_FAILED);
    await()
        .atMost(Events.TIMEOUT)
        .until(
            () ->
                count(
                        "select count(*) from rotation where rotation_id in ("
                            + quoted(rolledBack, failed, recent)
                            + ") and ended_at is not null and next_attempt_at is null")
                    == 3);
    // The old ones ended more than key-material.keep (P7D) ago; the open one started then.
    execute(
        "update rotation set ended_at = ended_at - interval '8 days' where rotation_id in ("
            + quoted(rolledBack, failed)
            + ")");
    execute(
        "update rotation set created_at = created_at - interval '9 days', proposed_at ="
            + " proposed_at - interval '9 days', merged_at = merged_at - interval '8 days' where"
            + " rotation_id = '"
            + merged.rotationId()
            + "'");
    Map<String, String> keyEventBefore = new java.util.HashMap<>();
    Map<String, String> othersBefore = new java.util.HashMap<>();
    for (KeyGenerated k : List.of(rolledBack, failed, recent, merged)) {
      keyEventBefore.put(k.rotationId(), column(k, "key_event"));
      othersBefore.put(k.rotationId(), otherColumns(k));
      assertThat(sealedMaterial(k))
          .as("the row holds the sealed key before the purge")
          .allSatisfy(text -> assertThat(keyEventBefore.get(k.rotationId())).contains(text));
    }
    double counted = purgedCounter();

    long purged = keyMaterialPurge.purge();

    assertThat(purged).isGreaterThanOrEqualTo(2);
    String dump = databaseDump();
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    for (KeyGenerated k : List.of(rolledBack, failed)) {
      String kept = column(k, "key_event");
      assertThat(column(k, "key_material_purged_at")).isNotNull();
      for (String text : sealedMaterial(k)) {
        assertThat(kept).doesNotContain(text);
        assertThat(dump).as("no table holds the sealed key any more").doesNotContain(text);
      }
      var keptJson = json.readTree(kept);
      var original = json.readTree(keyEventBefore.get(k.rotationId()));
      assertThat(keptJson.has("sealed")).isFalse();
      assertThat(keptJson.has("escrow")).isFalse();
      for (String field :
          List.of(
              "rotationId",
              "targetId",
              "plan",
              "requestedBy",
              "keyId",
              "fingerprint",
              "generatedAt")) {
        assertThat(keptJson.get(field)).as(field).isEqualTo(original.get(field));
      }
      assertThat(otherColumns(k))
          .as("every other column stays")
          .isEqualTo(othersBefore.get(k.rotationId()));
    }
    for (KeyGenerated k : List.of(recent, merged)) {
      assertThat(column(k, "key_event")).isEqualTo(keyEventBefore.get(k.rotationId()));
      assertThat(column(k, "key_material_purged_at")).isNull();
      assertThat(otherColumns(k)).isEqualTo(othersBefore.get(k.rotationId()));
    }
    assertThat(purgedCounter()).isEqualTo(counted + purged);
    assertThat(logs.containing("ROTOR-2093 purged the sealed key of " + purged + " rotation(s)"))
        .hasSize(1);
    assertThat(given().get("/q/metrics").asString())
        .contains("rotor_manifest_service_key_material_purged_total");
    String purgedAt = column(rolledBack, "key_material_purged_at");
    assertThat(keyMaterialPurge.purge()).as("a second run finds nothing").isZero();
    assertThat(column(rolledBack, "key_material_purged_at")).isEqualTo(purgedAt);

    // A redelivered key.generated is recognised by its event id: nothing is proposed, sent or
    // dead-lettered, and the sealed key does not come back. Late inputs change nothing either.
    double keysReceived = keysReceived();
    events.send(keyEvents.get(rolledBack.rotationId()));
    events.send(keyEvents.get(failed.rotationId()));
    await().atMost(Events.TIMEOUT).until(() -> keysReceived() >= keysReceived + 2);
    send(
        new RotationRollbackRequested(
            rolledBack.rotationId(), rolledBack.targetId(), "carol", "again"),
        CLI);
    send(new RotationApproved(failed.rotationId(), failed.targetId(), "carol", false, null), CLI);
    nothingNewFor(rolledBack.rotationId(), 3);
    nothingNewFor(failed.rotationId(), 2);
    await()
        .atMost(Events.TIMEOUT)
        .until(
            () ->
                logs.containing("ROTOR-2026 rotation " + rolledBack.rotationId()).size() == 1
                    && logs.containing("ROTOR-2026 rotation " + failed.rotationId()).size() == 1);
    for (KeyGenerated k : List.of(rolledBack, failed)) {
      assertThat(column(k, "key_material_purged_at")).isNotNull();
      assertThat(sealedMaterial(k))
          .allSatisfy(text -> assertThat(databaseDump()).doesNotContain(text));
      assertThat(events.kafka().readAll(Topics.DLQ))
          .noneMatch(r -> KafkaTestClient.valueText(r).contains(k.rotationId()));
    }

    // An ended rotation the worker finds due (a retry recorded after another instance ended it)
    // is set aside without reading its purged key.
    execute(
        "update rotation set next_attempt_at = now() where rotation_id = '"
            + rolledBack.rotationId()
            + "'");
    worker.wake();
    await().atMost(Events.TIMEOUT).until(() -> column(rolledBack, "next_attempt_at") == null);
    assertThat(logs.text())
        .doesNotContain("ROTOR-2090 rotation " + rolledBack.rotationId())
        .doesNotContain("ROTOR-2009 rotation " + rolledBack.rotationId());
    assertThat(column(rolledBack, "status")).isEqualTo("ROLLED_BACK");
    assertThat(column(rolledBack, "key_material_purged_at")).isEqualTo(purgedAt);
  }

  /**
   * A successful rotation stays MERGED (a person may still roll it back): the verifier's
   * rotation.completed is what ends its need for the sealed key. Recorded once, from the verifier
   * only, for the merged rotation with that key; key-material.keep after it the sealed key goes,
   * and a rollback asked for after that still writes its commit and sends manifest.rolled-back.
   */
  @Test
  void aCompletedRotationLosesItsSealedKeyKeyMaterialKeepAfterAndCanStillBeRolledBack()
      throws Exception {
    String name = repository("done-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    KeyGenerated completed = key(plan, "alice").event();
    // Merged, no completion seen (its rollouts still running): it keeps its key however old.
    KeyGenerated open = endable("done-open-");
    for (KeyGenerated k : List.of(completed, open)) {
      send(k, KEY_GENERATOR);
    }
    for (KeyGenerated k : List.of(completed, open)) {
      events.await(k.rotationId(), EventType.MANIFEST_PROPOSED);
      approve(k, "bob");
    }
    ManifestApproved approved =
        (ManifestApproved) events.await(completed.rotationId(), EventType.MANIFEST_APPROVED).data();
    ManifestApproved openApproved =
        (ManifestApproved) events.await(open.rotationId(), EventType.MANIFEST_APPROVED).data();
    await()
        .atMost(Events.TIMEOUT)
        .until(
            () ->
                count(
                        "select count(*) from rotation where rotation_id in ("
                            + quoted(completed, open)
                            + ") and status = 'MERGED' and next_attempt_at is null and"
                            + " lease_owner is null")
                    == 2);
    String openBefore = wholeRow(open);

    // Forged (a cluster-agent's source): dead-lettered, nothing recorded.
    double received = received(EventType.ROTATION_COMPLETED);
    send(completion(open, openApproved), STAGING_AGENT);
    await()
        .atMost(Events.TIMEOUT)
        .until(
            () ->
                events.kafka().readAll(Topics.DLQ).stream()
                    .anyMatch(
                        r ->
                            open.rotationId()
                                    .equals(KafkaTestClient.headerValue(r, "ce_rotationid"))
                                && KafkaTestClient.headerValue(r, "dead-letter-reason")
                                    .startsWith("FORGED_SOURCE")));
    // From the verifier, but for another key, or for a rotation this service does not know.
    KeyGenerated unknown = key(plan, "alice").event();
    send(
        new dev.rotor.common.event.RotationCompleted(
            open.rotationId(),
            open.targetId(),
            open.plan(),
            null,
            completed.fingerprint(),
            "alice",
            List.of("bob"),
            openApproved.mergeCommit(),
            verdicts()),
        VERIFIER);
    send(completion(unknown, approved), VERIFIER);
    await()
        .atMost(Events.TIMEOUT)
        .until(() -> received(EventType.ROTATION_COMPLETED) >= received + 2);
    await()
        .atMost(Events.TIMEOUT)
        .until(
            () ->
                logs.containing("ROTOR-2096 rotation.completed").stream()
                        .anyMatch(l -> l.contains(open.rotationId()))
                    && logs.containing("ROTOR-2095 rotation.completed").stream()
                        .anyMatch(l -> l.contains(unknown.rotationId())));
    assertThat(wholeRow(open)).isEqualTo(openBefore);
    assertThat(
            count(
                "select count(*) from rotation where rotation_id = '" + unknown.rotationId() + "'"))
        .isZero();

    // The verifier's: recorded once; its redelivery changes nothing.
    EventEnvelope completion = send(completion(completed, approved), VERIFIER);
    await().atMost(Events.TIMEOUT).until(() -> column(completed, "completed_at") != null);
    assertThat(column(completed, "completed_event_id")).isEqualTo(completion.id());
    assertThat(column(completed, "status")).isEqualTo("MERGED");
    String recorded = wholeRow(completed);
    double before = received(EventType.ROTATION_COMPLETED);
    events.send(completion);
    await().atMost(Events.TIMEOUT).until(() -> received(EventType.ROTATION_COMPLETED) > before);
    assertThat(wholeRow(completed)).isEqualTo(recorded);
    assertThat(logs.containing("ROTOR-2094 rotation " + completed.rotationId())).hasSize(1);
    nothingNewFor(completed.rotationId(), 2);
    assertThat(
            events.kafka().readAll(Topics.DLQ).stream()
                .filter(
                    r ->
                        completed
                            .rotationId()
                            .equals(KafkaTestClient.headerValue(r, "ce_rotationid"))))
        .isEmpty();

    // Both merged more than key-material.keep (P7D) ago; one completed that long ago.
    execute(
        "update rotation set created_at = created_at - interval '9 days', proposed_at ="
            + " proposed_at - interval '9 days', merged_at = merged_at - interval '9 days' where"
            + " rotation_id in ("
            + quoted(completed, open)
            + ")");
    execute(
        "update rotation set completed_at = completed_at - interval '8 days' where rotation_id ="
            + " '"
            + completed.rotationId()
            + "'");
    // A plan may hold a number in exponent form: the purge keeps its text as it is.
    execute(
        "update rotation set key_event = replace(key_event, '\"maxBaselineFactor\":1.5',"
            + " '\"maxBaselineFactor\":1.0E40') where rotation_id = '"
            + completed.rotationId()
            + "'");
    String completedKeyEvent = column(completed, "key_event");
    assertThat(completedKeyEvent).contains("\"maxBaselineFactor\":1.0E40");
    String othersBefore = otherColumns(completed);
    openBefore = wholeRow(open);
    assertThat(sealedMaterial(completed))
        .allSatisfy(text -> assertThat(completedKeyEvent).contains(text));

    assertThat(keyMaterialPurge.purge()).isGreaterThanOrEqualTo(1);

    String kept = column(completed, "key_event");
    String purgedAt = column(completed, "key_material_purged_at");
    assertThat(purgedAt).isNotNull();
    for (String text : sealedMaterial(completed)) {
      assertThat(kept).doesNotContain(text);
    }
    assertThat(kept).doesNotContain("\"sealed\"").doesNotContain("\"escrow\"");
    assertThat(otherColumns(completed))
        .as("status MERGED and the rest stay")
        .isEqualTo(othersBefore);
    assertThat(wholeRow(open)).as("merged, not completed: kept whole").isEqualTo(openBefore);
    assertThat(kept).contains("1.0E40");

    // Its completion never seen, a merged rotation loses its key 30 days later.
    execute(
        "update rotation set merged_at = merged_at - interval '30 days' where rotation_id = '"
            + open.rotationId()
            + "'");
    assertThat(keyMaterialPurge.purge()).isGreaterThanOrEqualTo(1);
    assertThat(column(open, "key_material_purged_at")).isNotNull();
    assertThat(column(open, "status")).isEqualTo("MERGED");
    String openKept = column(open, "key_event");
    assertThat(sealedMaterial(open)).allSatisfy(text -> assertThat(openKept).doesNotContain(text));

    // A person rolls the completed rotation back: the public fields are all the rollback needs.
    send(
        new RotationRollbackRequested(
            completed.rotationId(), completed.targetId(), "carol", "found a problem later"),
        CLI);
    ManifestRolledBack rolledBack =
        (ManifestRolledBack)
            events.await(completed.rotationId(), EventType.MANIFEST_ROLLED_BACK).data();
    assertThat(rolledBack.cause()).contains("rollback requested by carol");
    assertThat(rolledBack.clusters()).containsExactly("aether-staging", "aether-production");
    List<RevCommit> history = remote.history(name, "main");
    assertThat(history.get(0).name()).isEqualTo(rolledBack.rollbackCommit());
    assertThat(history.get(1).name()).isEqualTo(approved.promoteCommit());
    assertThat(Trailers.of(history.get(0)))
        .containsEntry("Rotor-Phase", "rollback")
        .containsEntry("Rotor-Keyring-Primary", "aaaaaaaa");
    assertThat(unsealedPrimary(remote.file(name, rolledBack.rollbackCommit(), PATH)))
        .isEqualTo("aaaaaaaa");
    await().atMost(Events.TIMEOUT).until(() -> "ROLLED_BACK".equals(column(completed, "status")));
    assertThat(column(completed, "key_material_purged_at")).isEqualTo(purgedAt);
    assertThat(column(completed, "key_event")).isEqualTo(kept);
    assertThat(logs.text())
        .doesNotContain("ROTOR-2090 rotation " + completed.rotationId())
        .doesNotContain("ROTOR-2006 rotation " + completed.rotationId());
    String dump = databaseDump();
    assertThat(sealedMaterial(completed)).allSatisfy(text -> assertThat(dump).doesNotContain(text));
  }

  /** Every column of the rotation's row, key_event as its digest (a failure prints no key). */
  private String wholeRow(KeyGenerated key) throws Exception {
    return column(
        key,
        "((to_jsonb(rotation) - 'key_event') || jsonb_build_object('key_event', md5(key_event)))");
  }

  /** The verifier's rotation.completed of a merged rotation. */
  private static dev.rotor.common.event.RotationCompleted completion(
      KeyGenerated key, ManifestApproved approved) {
    return new dev.rotor.common.event.RotationCompleted(
        key.rotationId(),
        key.targetId(),
        key.plan(),
        null,
        key.fingerprint(),
        key.requestedBy(),
        List.of("bob"),
        approved.mergeCommit(),
        verdicts());
  }

  private static List<dev.rotor.common.event.StageVerdict> verdicts() {
    return List.of(
        new dev.rotor.common.event.StageVerdict(
            "aether-staging", Reasons.Verdict.PASSED, Instant.now()),
        new dev.rotor.common.event.StageVerdict(
            "aether-production", Reasons.Verdict.PASSED, Instant.now()));
  }

  private double received(EventType type) {
    var counter =
        registry
            .find("rotor.manifest-service.events.received")
            .tag("type", type.eventName())
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** A rotation on a repository of its own, approvable by one person. */
  private KeyGenerated endable(String prefix) {
    String url = seed(repository(prefix), Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    return key(plan, "alice").event();
  }

  /**
   * The SealedSecret values and age files of {@code key}, and its escrow copy: their base64 lines,
   * which read the same in JSON (escaped once or twice) as in the event.
   */
  private static List<String> sealedMaterial(KeyGenerated key) {
    List<String> texts = new ArrayList<>();
    key.sealed().forEach(s -> texts.add(s.ciphertext()));
    texts.add(key.escrow().armored());
    List<String> lines =
        texts.stream()
            .flatMap(t -> java.util.Arrays.stream(t.split("\\s+")))
            .filter(line -> line.length() >= 40 && !line.startsWith("-----"))
            .toList();
    assertThat(lines).hasSizeGreaterThan(key.sealed().size());
    return lines;
  }

  private static String quoted(KeyGenerated... keys) {
    return String.join(
        ", ", java.util.Arrays.stream(keys).map(k -> "'" + k.rotationId() + "'").toList());
  }

  private String column(KeyGenerated key, String column) throws Exception {
    try (Connection c = database.getConnection();
        java.sql.PreparedStatement s =
            c.prepareStatement("select " + column + "::text from rotation where rotation_id = ?")) {
      s.setString(1, key.rotationId());
      try (ResultSet r = s.executeQuery()) {
        assertThat(r.next()).isTrue();
        return r.getString(1);
      }
    }
  }

  /** The rotation's row without key_event and key_material_purged_at, as JSON. */
  private String otherColumns(KeyGenerated key) throws Exception {
    return column(key, "(to_jsonb(rotation) - 'key_event' - 'key_material_purged_at')");
  }

  private void execute(String sql) throws Exception {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  private double keysReceived() {
    var counter =
        registry
            .find("rotor.manifest-service.events.received")
            .tag("type", EventType.KEY_GENERATED.eventName())
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private double purgedCounter() {
    return registry.get("rotor.manifest-service.key-material.purged").counter().count();
  }

  private long count(String sql) throws Exception {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void anApprovalThatArrivesBeforeTheKeyCountsAndAConcurrentPushIsRebasedOnto() {
    String name = repository("early-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    Rotations.Generated generated = key(plan, "alice");
    KeyGenerated key = generated.event();

    approve(key, "bob");
    send(key, KEY_GENERATOR);
    ManifestProposed proposed =
        (ManifestProposed) events.await(key.rotationId(), EventType.MANIFEST_PROPOSED).data();
    ManifestApproved approved =
        (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();

    assertThat(approved.approvers()).containsExactly("bob");
    assertThat(approved.promoteCommit()).isEqualTo(proposed.promoteCommit());

    String name2 = repository("rebase-");
    String url2 = seed(name2, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan2 =
        Rotations.plan(
            url2, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    Rotations.Generated generated2 = key(plan2, "alice");
    KeyGenerated key2 = generated2.event();
    send(key2, KEY_GENERATOR);
    ManifestProposed proposed2 =
        (ManifestProposed) events.await(key2.rotationId(), EventType.MANIFEST_PROPOSED).data();
    String theirs = remote.commit(name2, "main", Map.of("README.md", "edited\n"), "Docs");
    approve(key2, "carol");
    ManifestApproved approved2 =
        (ManifestApproved) events.await(key2.rotationId(), EventType.MANIFEST_APPROVED).data();

    assertThat(approved2.promoteCommit()).isNotEqualTo(proposed2.promoteCommit());
    List<RevCommit> history = remote.history(name2, "main");
    assertThat(history.stream().map(RevCommit::name).limit(3))
        .containsExactly(approved2.promoteCommit(), approved2.distributeCommit(), theirs);
    assertNoPlaintextAnywhere(generated);
    assertNoPlaintextAnywhere(generated2);
  }

  @Test
  void rotationsOfOneRepositoryDueTogetherAreProposedInOnePushAndMergedInOnePushOfMain() {
    int count = 8;
    String name = repository("batch-");
    String namespace = "batch-" + UUID.randomUUID().toString().substring(0, 8);
    String url = appsRepository(name, namespace, count);
    String base = remote.branch(name, "main").orElseThrow();
    int seedPushes = remote.pushes(name);
    int seedPushesOfMain = remote.pushesTo(name, "main");
    List<KeyGenerated> batch = appKeys(url, namespace, count);
    // The first push waits until every key is recorded: the rest are due together after it, so
    // at most two pushes whatever the timing (eight, one after the other, before batching).
    remote.beforeNextPush(
        name,
        () ->
            await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> rows(namespace, "rotation") == count));
    batch.forEach(k -> send(k, KEY_GENERATOR));
    List<ManifestProposed> proposals = new ArrayList<>();
    for (KeyGenerated k : batch) {
      proposals.add(
          (ManifestProposed) events.await(k.rotationId(), EventType.MANIFEST_PROPOSED).data());
    }
    int proposalPushes = remote.pushes(name) - seedPushes;
    assertThat(proposalPushes).as("pushes for %d proposals", count).isBetween(1, 2);
    assertThat(batchedCount("proposals", url))
        .as("rotations in the ROTOR-2007 lines of the proposal batches")
        .isEqualTo(count);
    for (int i = 0; i < count; i++) {
      RevCommit distribute = remote.commitOf(name, proposals.get(i).distributeCommit());
      assertThat(distribute.getParent(0).name()).isEqualTo(base);
      assertThat(Trailers.phaseOf(distribute, batch.get(i).rotationId()))
          .contains(Trailers.Phase.DISTRIBUTE);
      assertThat(remote.branch(name, proposals.get(i).branch()))
          .contains(proposals.get(i).promoteCommit());
    }

    remote.beforeNextPush(
        name,
        () ->
            await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> rows(namespace, "rotation_input") == count));
    batch.forEach(k -> approve(k, "bob"));
    List<ManifestApproved> approvals = new ArrayList<>();
    for (KeyGenerated k : batch) {
      approvals.add(
          (ManifestApproved) events.await(k.rotationId(), EventType.MANIFEST_APPROVED).data());
    }

    assertThat(remote.pushesTo(name, "main") - seedPushesOfMain)
        .as("pushes of main for %d merges", count)
        .isBetween(1, 2);
    assertThat(batchedCount("merges", url)).isEqualTo(count);
    List<RevCommit> history = remote.history(name, "main");
    assertThat(history).hasSize(2 * count + 1).allMatch(c -> c.getParentCount() <= 1);
    String tip = history.get(0).name();
    for (int i = 0; i < count; i++) {
      KeyGenerated k = batch.get(i);
      assertThat(history.stream().filter(c -> Trailers.phaseOf(c, k.rotationId()).isPresent()))
          .hasSize(2);
      assertThat(remote.file(name, tip, "apps/app-" + i + "/secret.yaml"))
          .contains("keyring.key." + k.keyId() + ":");
      assertThat(approvals.get(i).promoteCommit())
          .isIn(history.stream().map(RevCommit::name).toList());
    }
    assertThat(remote.branches(name)).containsExactly("main");
  }

  @Test
  void aRotationWhoseOutcomeCannotBeWrittenDoesNotHoldUpTheOthersOfItsBatch() {
    int count = 3;
    String namespace = "fallback-" + UUID.randomUUID().toString().substring(0, 8);
    // A rotation in another repository holds the worker in its Git round until the three are
    // recorded, so that they are claimed and proposed together, in one batch.
    String blockerName = repository("blocker-");
    String blockerUrl = seed(blockerName, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Rotations.Generated blocker =
        key(
            Rotations.plan(
                blockerUrl,
                ManifestFormat.SEALED_SECRET,
                controller,
                ReviewProvider.LOCAL,
                1,
                List.of(),
                2),
            "alice");
    java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
    remote.beforeNextPush(
        blockerName,
        () -> {
          holding.countDown();
          await().atMost(Duration.ofSeconds(30)).until(() -> rows(namespace, "rotation") == count);
        });

    String name = repository("fallback-");
    String url = appsRepository(name, namespace, count);
    List<KeyGenerated> batch = appKeys(url, namespace, count);
    // While the batch is in its Git round, one rotation's row goes (an operator's clean-up, a
    // restore): its outcome cannot be written, which fails the batch's one transaction.
    String gone = batch.get(0).rotationId();
    remote.beforeNextPush(name, () -> deleteRotation(gone));

    send(blocker.event(), KEY_GENERATOR);
    try {
      assertThat(holding.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    batch.forEach(k -> send(k, KEY_GENERATOR));

    for (KeyGenerated k : batch.subList(1, count)) {
      ManifestProposed proposed =
          (ManifestProposed) events.await(k.rotationId(), EventType.MANIFEST_PROPOSED).data();
      assertThat(remote.branch(name, proposed.branch())).contains(proposed.promoteCommit());
    }
    events.await(blocker.event().rotationId(), EventType.MANIFEST_PROPOSED);
    assertThat(batchedCount("proposals", url))
        .as("the three were proposed in one batch")
        .isEqualTo(count);
    assertThat(logs.containing("ROTOR-2008 recording a batch of " + count + " outcomes"))
        .hasSize(1);
    assertThat(logs.containing("ROTOR-2009 rotation " + gone)).isNotEmpty();
    nothingNewFor(gone, 0);
    assertThat(rows(namespace, "rotation")).isEqualTo(count - 1);
  }

  private void deleteRotation(String rotationId) {
    try (Connection c = database.getConnection();
        java.sql.PreparedStatement s =
            c.prepareStatement("delete from rotation where rotation_id = ?")) {
      s.setString(1, rotationId);
      assertThat(s.executeUpdate()).isEqualTo(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A repository of {@code count} SealedSecret manifests, {@code apps/app-<i>/secret.yaml}. */
  private String appsRepository(String name, String namespace, int count) {
    Map<String, String> files = new java.util.LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      files.put(
          "apps/app-" + i + "/secret.yaml",
          Rotations.sealedManifest(controller, namespace, "app-" + i, "aaaaaaaa"));
    }
    return remote.repositoryWith(name, files);
  }

  /** A key requested by alice for each app of {@link #appsRepository}, one local approval each. */
  private List<KeyGenerated> appKeys(String url, String namespace, int count) {
    List<KeyGenerated> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Plan plan =
          Rotations.sealedPlan(
              url, namespace, "app-" + i, "apps/app-" + i + "/secret.yaml", controller);
      batch.add(key(plan, "alice").event());
    }
    return batch;
  }

  /** Rows of {@code table} whose target is in {@code namespace}. */
  private int rows(String namespace, String table) {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "select count(*) from " + table + " where target_id like '" + namespace + "/%'")) {
      rs.next();
      return rs.getInt(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anApprovalThatArrivesWhileTheDatabaseIsAwayCountsOnceItIsBackAndIsNotDeadLettered() {
    // Found by the chaos run: approvals that came during a PostgreSQL restart were dead-lettered
    // and their rotations never merged.
    String name = repository("outage-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    KeyGenerated key = key(plan, "alice").event();
    send(key, KEY_GENERATOR);
    events.await(key.rotationId(), EventType.MANIFEST_PROPOSED);

    EventEnvelope approval;
    dev.rotor.testsupport.PostgresServer.stop();
    try {
      approval =
          send(new RotationApproved(key.rotationId(), key.targetId(), "bob", false, "ok"), CLI);
      await("the approval tried while the database is away")
          .atMost(Duration.ofSeconds(60))
          .until(() -> logs.text().contains("ROTOR-2028 record " + Topics.APPROVALS));
    } finally {
      dev.rotor.testsupport.PostgresServer.start();
    }

    ManifestApproved approved =
        (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();
    assertThat(approved.approvers()).containsExactly("bob");
    assertThat(events.kafka().readAll(Topics.DLQ))
        .noneMatch(r -> approval.id().equals(KafkaTestClient.headerValue(r, "ce_id")));
  }

  @Test
  void aRejectedReviewEndsTheRotationAndARollbackBeforeTheMergeWithdrawsIt() {
    String name = repository("reject-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    String base = remote.branch(name, "main").orElseThrow();
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    KeyGenerated rejected = key(plan, "alice").event();
    send(rejected, KEY_GENERATOR);
    events.await(rejected.rotationId(), EventType.MANIFEST_PROPOSED);

    send(
        new RotationReviewRejected(
            rejected.rotationId(), rejected.targetId(), "bob", "wrong window"),
        CLI);
    RotationFailed failed =
        (RotationFailed) events.await(rejected.rotationId(), EventType.ROTATION_FAILED).data();

    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.REVIEW_REJECTED);
    assertThat(failed.message()).isEqualTo("bob rejected the change: wrong window");
    await()
        .atMost(Events.TIMEOUT)
        .untilAsserted(() -> assertThat(remote.branches(name)).containsExactly("main"));

    KeyGenerated withdrawn = key(plan, "alice").event();
    send(withdrawn, KEY_GENERATOR);
    events.await(withdrawn.rotationId(), EventType.MANIFEST_PROPOSED);
    send(
        new RotationRollbackRequested(
            withdrawn.rotationId(), withdrawn.targetId(), "carol", "not now"),
        CLI);
    RotationFailed withdrawal =
        (RotationFailed) events.await(withdrawn.rotationId(), EventType.ROTATION_FAILED).data();
    assertThat(withdrawal.reason()).isEqualTo(Reasons.RotationFailure.REVIEW_REJECTED);
    assertThat(withdrawal.message())
        .startsWith("rollback requested by carol: not now; the change was not merged yet");
    assertThat(remote.branch(name, "main")).contains(base);
  }

  @Test
  void aHumanEditOfTheManifestBeforeTheMergeFailsTheRotationWithTheConflictingCommit() {
    String name = repository("conflict-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    KeyGenerated key = key(plan, "alice").event();
    send(key, KEY_GENERATOR);
    events.await(key.rotationId(), EventType.MANIFEST_PROPOSED);
    String theirs =
        remote.commit(
            name,
            "main",
            Map.of(
                PATH, Rotations.sealedManifest(controller, "aaaaaaaa").replace("app: s", "app: t")),
            "Relabel");

    approve(key, "bob");
    RotationFailed failed =
        (RotationFailed) events.await(key.rotationId(), EventType.ROTATION_FAILED).data();

    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_CONFLICT);
    assertThat(failed.message()).contains("commit " + theirs);
    assertThat(remote.branch(name, "main")).contains(theirs);
  }

  @Test
  void aRollbackRefusedByAHandEditOfTheKeyringFailsLoudlyNamingTheKeyStillPrimary() {
    String name = repository("refused-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 0, List.of(), 2);
    KeyGenerated key = key(plan, "alice").event();
    send(key, KEY_GENERATOR);
    ManifestApproved approved =
        (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();
    String edited =
        remote
            .file(name, approved.promoteCommit(), PATH)
            .replace(
                "  encryptedData:\n", "  encryptedData:\n    keyring.key.cccccccc: AgBoYW5k\n");
    String theirs = remote.commit(name, "main", Map.of(PATH, edited), "Add a key by hand");

    send(
        new VerificationFailed(
            key.rotationId(),
            key.targetId(),
            plan,
            "aether-production",
            Reasons.Verification.DECRYPT_FAILURES,
            "12 decrypt failures",
            List.of()),
        VERIFIER);
    RotationFailed failed =
        (RotationFailed) events.await(key.rotationId(), EventType.ROTATION_FAILED).data();

    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.ROLLBACK_FAILED);
    assertThat(failed.message())
        .startsWith("rollback not written (verification.failed on aether-production")
        .contains("commit " + theirs)
        .contains(
            "The clusters [aether-production] still run key "
                + key.keyId()
                + " as the primary of "
                + key.targetId())
        .contains("set keyring.primary back to aaaaaaaa in " + PATH + " on main by hand");
    assertThat(events.manifests(key.rotationId()))
        .noneMatch(e -> e.type() == EventType.MANIFEST_ROLLED_BACK);
    assertThat(remote.branch(name, "main")).contains(theirs);
    assertThat(logs.containing("ROTOR-2010 rotation " + key.rotationId())).hasSize(1);
  }

  @Test
  void aRollbackOfAPullRequestMergedOnGitHubBeforeRotorSawItRollsTheMergeBack() throws Exception {
    rollbackOrRejectionAfterAMergeOnGitHub(
        key -> new RotationRollbackRequested(key.rotationId(), key.targetId(), "carol", "stop"));
  }

  @Test
  void aRejectionOfAPullRequestMergedOnGitHubBeforeRotorSawItRollsTheMergeBack() throws Exception {
    rollbackOrRejectionAfterAMergeOnGitHub(
        key -> new RotationReviewRejected(key.rotationId(), key.targetId(), "bob", "wrong window"));
  }

  /**
   * A person merges the pull request in GitHub's UI; before Rotor reads it again (poll interval) a
   * rollback or rejection arrives. The change is on the default branch, so Rotor must record the
   * merge and roll it back, never end the rotation as if nothing had been applied.
   */
  private void rollbackOrRejectionAfterAMergeOnGitHub(
      java.util.function.Function<KeyGenerated, Object> input) throws Exception {
    String name = "aether/merged-" + UUID.randomUUID().toString().substring(0, 8);
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.GITHUB, 1, List.of(), 2);
    try (FakeGitHub gitHub = FakeGitHub.start(remote, name)) {
      KeyGenerated key = key(plan, "alice").event();
      send(key, KEY_GENERATOR);
      ManifestProposed proposed =
          (ManifestProposed) events.await(key.rotationId(), EventType.MANIFEST_PROPOSED).data();
      assertThat(proposed.changeRequestUrl()).isEqualTo("https://github.com/" + name + "/pull/7");
      // Rotor read the open pull request once; the next read is a poll interval (PT1M) away.
      await().atMost(Events.TIMEOUT).until(() -> gitHub.reads() >= 1);
      String mergeCommit = mergeOnServer(name, proposed.promoteCommit());
      gitHub.merged(mergeCommit, "gina");

      Object sent = input.apply(key);
      send(sent, CLI);

      ManifestApproved approved =
          (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();
      assertThat(approved.mergeCommit()).isEqualTo(mergeCommit);
      assertThat(approved.approvers()).containsExactly("gina");
      ManifestRolledBack rolledBack =
          (ManifestRolledBack)
              events.await(key.rotationId(), EventType.MANIFEST_ROLLED_BACK).data();
      assertThat(rolledBack.cause())
          .isEqualTo(
              sent instanceof RotationReviewRejected
                  ? "bob rejected the change before Rotor saw it merged: wrong window"
                  : "rollback requested by carol: stop");
      assertThat(rolledBack.clusters()).containsExactlyElementsOf(Rotations.CLUSTERS);
      List<RevCommit> history = remote.history(name, "main");
      assertThat(history.get(0).name()).isEqualTo(rolledBack.rollbackCommit());
      assertThat(history.get(1).name()).isEqualTo(mergeCommit);
      assertThat(Trailers.of(history.get(0)))
          .containsEntry("Rotor-Phase", "rollback")
          .containsEntry("Rotor-Keyring-Primary", "aaaaaaaa");
      assertThat(events.manifests(key.rotationId()))
          .noneMatch(e -> e.type() == EventType.ROTATION_FAILED);
    }
  }

  /** What GitHub does on a merge in its UI: a merge commit of main and the pull request's head. */
  private String mergeOnServer(String name, String head) throws Exception {
    try (org.eclipse.jgit.lib.Repository repository = remote.server().open(name + ".git");
        org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(repository);
        org.eclipse.jgit.lib.ObjectInserter inserter = repository.newObjectInserter()) {
      RevCommit main = walk.parseCommit(repository.resolve("refs/heads/main"));
      RevCommit pr = walk.parseCommit(org.eclipse.jgit.lib.ObjectId.fromString(head));
      org.eclipse.jgit.lib.CommitBuilder merge = new org.eclipse.jgit.lib.CommitBuilder();
      merge.setTreeId(pr.getTree());
      merge.setParentIds(main, pr);
      merge.setAuthor(new org.eclipse.jgit.lib.PersonIdent("gina", "gina@example.com"));
      merge.setCommitter(new org.eclipse.jgit.lib.PersonIdent("GitHub", "noreply@github.com"));
      merge.setMessage("Merge pull request #7\n");
      org.eclipse.jgit.lib.ObjectId id = inserter.insert(merge);
      inserter.flush();
      org.eclipse.jgit.lib.RefUpdate update = repository.updateRef("refs/heads/main");
      update.setNewObjectId(id);
      update.setExpectedOldObjectId(main);
      assertThat(update.update()).isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.FAST_FORWARD);
      return id.name();
    }
  }

  @Test
  void aStepThatEndsWithAnErrorIsAFailedAttemptOfItsRotationAloneAndTheWorkerGoesOn() {
    String brokenName = repository("error-");
    String brokenUrl = seed(brokenName, Rotations.sealedManifest(controller, "aaaaaaaa"));
    KeyGenerated broken =
        key(
                Rotations.plan(
                    brokenUrl,
                    ManifestFormat.SEALED_SECRET,
                    controller,
                    ReviewProvider.LOCAL,
                    1,
                    List.of(),
                    2),
                "alice")
            .event();
    String healthyName = repository("healthy-");
    String healthyUrl = seed(healthyName, Rotations.sealedManifest(controller, "aaaaaaaa"));
    KeyGenerated healthy =
        key(
                Rotations.plan(
                    healthyUrl,
                    ManifestFormat.SEALED_SECRET,
                    controller,
                    ReviewProvider.LOCAL,
                    1,
                    List.of(),
                    2),
                "alice")
            .event();
    // The proposing step of the broken rotation ends with an Error, every time, as one whose
    // manifest is nested too deep would.
    Reviews real = ClientProxy.unwrap(reviews);
    QuarkusMock.installMockForType(
        new Reviews(null, null) {
          @Override
          public ReviewGateway of(Plan plan) {
            if (plan.manifest().repository().equals(brokenUrl)) {
              throw new StackOverflowError("test: a manifest nested too deep");
            }
            return real.of(plan);
          }
        },
        Reviews.class);

    send(broken, KEY_GENERATOR);
    send(healthy, KEY_GENERATOR);

    events.await(healthy.rotationId(), EventType.MANIFEST_PROPOSED);
    // Retried by the worker's schedule after each backoff (no new event wakes it), counted, and
    // failed after worker.max-attempts (3 here).
    RotationFailed failed =
        (RotationFailed) events.await(broken.rotationId(), EventType.ROTATION_FAILED).data();
    assertThat(failed.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED);
    assertThat(failed.message())
        .isEqualTo(
            "gave up after 3 attempts: StackOverflowError: test: a manifest nested too deep");
    assertThat(logs.containing("ROTOR-2091 rotation " + broken.rotationId() + ", step proposing"))
        .hasSize(3)
        .allSatisfy(line -> assertThat(line).startsWith("ERROR").contains("StackOverflowError"));
    assertThat(remote.branches(brokenName)).containsExactly("main");
  }

  @Test
  void badManifestsAndRefusedCredentialsFailTheRotationWithTheirReasonAndPushNothing() {
    String name = repository("broken-");
    String url =
        seed(name, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: secrets-service-config\n");
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    KeyGenerated broken = key(plan, "alice").event();
    send(broken, KEY_GENERATOR);
    RotationFailed invalid =
        (RotationFailed) events.await(broken.rotationId(), EventType.ROTATION_FAILED).data();
    assertThat(invalid.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_INVALID);
    assertThat(invalid.message())
        .isEqualTo(PATH + ": wrong kind: no SealedSecret document (found kinds [ConfigMap])");
    assertThat(remote.branches(name)).containsExactly("main");

    String locked = "locked/" + repository("");
    String lockedUrl = seed(locked, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan lockedPlan =
        Rotations.plan(
            lockedUrl,
            ManifestFormat.SEALED_SECRET,
            controller,
            ReviewProvider.LOCAL,
            1,
            List.of(),
            2);
    KeyGenerated refused = key(lockedPlan, "alice").event();
    send(refused, KEY_GENERATOR);
    RotationFailed gitRefused =
        (RotationFailed) events.await(refused.rotationId(), EventType.ROTATION_FAILED).data();
    assertThat(gitRefused.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED);
    assertThat(gitRefused.message()).startsWith("Git refused the credentials for " + lockedUrl);
    assertThat(remote.branches(locked)).containsExactly("main");
    assertThat(logs.text()).doesNotContain(GitRemote.PASSWORD);
    for (ConsumerRecord<byte[], byte[]> record : allRecords()) {
      assertThat(Leaks.in(record.value(), List.of(GitRemote.PASSWORD))).isEmpty();
    }
  }

  @Test
  void aPlainSecretRotationWritesTheKeyOnlyIntoTheManifestNeverIntoEventsLogsOrTheDatabase() {
    String name = repository("plain-");
    String url =
        seed(
            name,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secrets-service-config\n"
                + "  namespace: aether-services\ntype: Opaque\n");
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SECRET, controller, ReviewProvider.LOCAL, 0, List.of(), 2);
    Rotations.Generated generated = key(plan, "alice");
    KeyGenerated key = generated.event();

    send(key, KEY_GENERATOR);
    ManifestApproved approved =
        (ManifestApproved) events.await(key.rotationId(), EventType.MANIFEST_APPROVED).data();

    assertThat(approved.approvers()).isEmpty();
    assertThat(remote.file(name, approved.promoteCommit(), PATH))
        .endsWith(
            "type: Opaque\ndata:\n  keyring.primary: "
                + java.util.Base64.getEncoder().encodeToString(key.keyId().getBytes())
                + "\n  keyring.key."
                + key.keyId()
                + ": "
                + generated.key().revealBase64()
                + "\n");
    assertNoPlaintextAnywhere(generated);
  }

  @Test
  void malformedRecordsGoToTheDeadLetterTopicWithTheirReasonAndTheConsumerGoesOn() {
    String poisonId = "poison-" + UUID.randomUUID();
    KafkaTestClient kafka = events.kafka();
    long offset =
        kafka
            .produce(
                Topics.KEYS,
                Rotations.TARGET,
                Map.of(
                    "ce_specversion",
                    "1.0",
                    "ce_id",
                    poisonId,
                    "ce_type",
                    "dev.rotor.key.generated.v1",
                    "ce_source",
                    KEY_GENERATOR,
                    "ce_subject",
                    Rotations.TARGET,
                    "content-type",
                    "application/json"),
                "{\"rotationId\": 42}".getBytes())
            .offset();
    String name = repository("after-poison-");
    String url = seed(name, Rotations.sealedManifest(controller, "aaaaaaaa"));
    Plan plan =
        Rotations.plan(
            url, ManifestFormat.SEALED_SECRET, controller, ReviewProvider.LOCAL, 1, List.of(), 2);
    KeyGenerated key = key(plan, "alice").event();
    send(key, KEY_GENERATOR);

    events.await(key.rotationId(), EventType.MANIFEST_PROPOSED);
    ConsumerRecord<byte[], byte[]> dead =
        kafka
            .readUntil(
                Topics.DLQ,
                rs ->
                    rs.stream()
                        .anyMatch(r -> poisonId.equals(KafkaTestClient.headerValue(r, "ce_id"))),
                Events.TIMEOUT)
            .stream()
            .filter(r -> poisonId.equals(KafkaTestClient.headerValue(r, "ce_id")))
            .findFirst()
            .orElseThrow();
    assertThat(KafkaTestClient.headerValue(dead, "dead-letter-reason")).startsWith("INVALID_FIELD");
    assertThat(KafkaTestClient.headerValue(dead, "dead-letter-topic")).isEqualTo(Topics.KEYS);
    assertThat(KafkaTestClient.headerValue(dead, "dead-letter-offset"))
        .isEqualTo(Long.toString(offset));
  }

  @Test
  void theGitHubWebhookAcceptsOnlyDeliveriesSignedWithTheSecret() throws Exception {
    String body = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}";
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(
            GitServerResource.WEBHOOK_SECRET.getBytes(), "HmacSHA256"));
    String signature = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body.getBytes()));

    given()
        .header("X-GitHub-Event", "ping")
        .header("X-Hub-Signature-256", signature)
        .body(body)
        .post("/webhooks/github")
        .then()
        .statusCode(200);
    given()
        .header("X-GitHub-Event", "ping")
        .header("X-Hub-Signature-256", "sha256=" + "0".repeat(64))
        .body(body)
        .post("/webhooks/github")
        .then()
        .statusCode(401);
    given()
        .header("X-GitHub-Event", "ping")
        .body(body)
        .post("/webhooks/github")
        .then()
        .statusCode(401);

    String review =
        "{\"action\":\"submitted\",\"pull_request\":{\"number\":4242},"
            + "\"repository\":{\"full_name\":\"aether/unknown\"}}";
    given()
        .header("X-GitHub-Event", "pull_request_review")
        .header(
            "X-Hub-Signature-256",
            "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(review.getBytes())))
        .body(review)
        .post("/webhooks/github")
        .then()
        .statusCode(204);
  }

  // ---- the plaintext key appears nowhere but in the target Secret

  private void assertNoPlaintextAnywhere(Rotations.Generated generated) {
    List<String> forms = generated.plaintextForms();
    assertThat(Leaks.in(logs.text(), forms)).as("log lines").isEmpty();
    for (ConsumerRecord<byte[], byte[]> record : allRecords()) {
      assertThat(Leaks.in(record.value(), forms)).as("record value on " + record.topic()).isEmpty();
      record
          .headers()
          .forEach(h -> assertThat(Leaks.in(h.value(), forms)).as("record header").isEmpty());
    }
    assertThat(Leaks.in(databaseDump(), forms)).as("database rows").isEmpty();
    assertThat(Leaks.in(given().get("/q/metrics").asString(), forms)).as("metrics").isEmpty();
    assertThat(Leaks.in(given().get("/q/health").asString(), forms)).as("health").isEmpty();
  }

  private List<ConsumerRecord<byte[], byte[]>> allRecords() {
    List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
    for (String topic :
        List.of(
            Topics.KEYS,
            Topics.MANIFESTS,
            Topics.APPROVALS,
            Topics.ROLLOUTS,
            Topics.VERIFICATIONS,
            Topics.DLQ)) {
      all.addAll(events.kafka().readAll(topic));
    }
    return all;
  }

  private String databaseDump() {
    StringBuilder dump = new StringBuilder();
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      for (String table : List.of("rotation", "rotation_input", "applied_cluster", "outbox")) {
        try (ResultSet rs = s.executeQuery("select row_to_json(t)::text from " + table + " t")) {
          while (rs.next()) {
            dump.append(rs.getString(1)).append('\n');
          }
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    assertThat(dump).isNotEmpty();
    return dump.toString();
  }

  /**
   * The rotations the worker's ROTOR-2007 lines count in batches of {@code what} on {@code url}.
   */
  private static int batchedCount(String what, String url) {
    java.util.regex.Pattern line =
        java.util.regex.Pattern.compile(
            "ROTOR-2007 batch of (\\d+) " + what + " on " + java.util.regex.Pattern.quote(url));
    return logs.containing("ROTOR-2007").stream()
        .map(line::matcher)
        .filter(java.util.regex.Matcher::find)
        .mapToInt(m -> Integer.parseInt(m.group(1)))
        .sum();
  }
}
