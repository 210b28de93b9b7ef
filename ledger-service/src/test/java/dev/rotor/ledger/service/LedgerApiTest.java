package dev.rotor.ledger.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotationRejected;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Sources;
import dev.rotor.ledger.chain.ChainHashes;
import dev.rotor.ledger.merkle.CompactRange;
import dev.rotor.ledger.merkle.MerkleProofs;
import dev.rotor.ledger.merkle.TreeHashes;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.support.Api;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST API an auditor or rotorctl uses: rotation records by target and status, timelines,
 * histories, proofs that verify against signed checkpoints, exports, and clear refusals of bad
 * input.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class LedgerApiTest {
  private static RotationEvents completed;
  private static RotationEvents rolledBack;
  private static RotationEvents.Sent due;

  /** Once: RestAssured points at the application from the first test on, not before. */
  @BeforeEach
  void recordTwoRotationsOfOneTarget() {
    if (completed != null) {
      return;
    }
    completed = RotationEvents.completed("api");
    rolledBack = RotationEvents.rolledBack("api-back");
    due = completed.due();
    LedgerIngestTest.produce(completed.events());
    LedgerIngestTest.produce(rolledBack.events());
    LedgerIngestTest.produce(List.of(due));
    LedgerIngestTest.awaitRecord(completed, "COMPLETED");
    LedgerIngestTest.awaitRecord(rolledBack, "ROLLED_BACK");
    LedgerIngestTest.awaitEntry(due.event().id());
    // Events of one rotation come from several topics, so a late one may follow the end's own
    // checkpoint; the next interval checkpoint covers it.
    long last = 0;
    for (RotationEvents.Sent sent : completed.events()) {
      last =
          Math.max(last, LedgerIngestTest.awaitEntry(sent.event().id()).get("leafIndex").asLong());
    }
    long lastIndex = last;
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> Api.open(latestNote()).treeSize() > lastIndex);
  }

  @Test
  void rotationsAreListedByTargetAndByStatus() {
    JsonNode byTarget = Api.get("/ledger/rotations?target=" + completed.targetId);
    assertThat(byTarget.findValuesAsText("rotationId")).containsExactly(completed.rotationId);

    JsonNode completedOnes = Api.get("/ledger/rotations?status=completed&limit=500");
    assertThat(completedOnes.findValuesAsText("rotationId"))
        .contains(completed.rotationId)
        .doesNotContain(rolledBack.rotationId);
    assertThat(completedOnes.findValuesAsText("status")).containsOnly("COMPLETED");

    JsonNode none =
        Api.get("/ledger/rotations?target=" + completed.targetId + "&status=ROLLED_BACK");
    assertThat(none).isEmpty();
  }

  @Test
  void inFlightRotationsAreFoundPastMorePagesOfEndedAndUnrequestedOnesAndPageByThemselves() {
    // One target: 3 rotations in flight, then (newer) 40 ended and 40 nobody requested, more than
    // a page of the default 50 between the newest and the ones in flight.
    String target =
        "ledger-tests/in-flight-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    Instant start = Instant.parse("2026-11-20T06:00:00Z");
    List<RotationEvents.Sent> events = new ArrayList<>();
    List<String> inFlight = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = "in-flight-" + i + "-" + target.substring(target.lastIndexOf('-') + 1);
      inFlight.add(0, id); // newest first
      events.add(
          sent(
              new RotationRequested(id, target, "alice", "quarterly", List.of(), start),
              "/rotor/cli",
              start.plusSeconds(60L * i),
              "rotor.requests"));
    }
    for (int i = 0; i < 40; i++) {
      String id = "ended-" + i + "-" + target.substring(target.lastIndexOf('-') + 1);
      Instant at = start.plusSeconds(3600 + 60L * i);
      events.add(
          sent(
              new RotationRequested(id, target, "carol", "ad hoc", List.of(), at),
              "/rotor/cli",
              at,
              "rotor.requests"));
      events.add(
          sent(
              new RotationRejected(
                  id, target, Reasons.Rejection.UNKNOWN_TARGET, "no policy target", null),
              Sources.of("key-generator"),
              at.plusSeconds(1),
              "rotor.keys"));
    }
    for (int i = 0; i < 40; i++) {
      String id = "forged-" + i + "-" + target.substring(target.lastIndexOf('-') + 1);
      events.add(
          sent(
              new RotationApproved(id, target, "mallory", false, "x"),
              "/rotor/cli",
              start.plusSeconds(7200 + 60L * i),
              "rotor.approvals"));
    }
    LedgerIngestTest.produce(events);
    JsonNode counts =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> Api.get("/ledger/rotation-counts?target=" + target),
                c ->
                    c.get("inFlight").asLong() == 3
                        && c.get("ended").asLong() == 40
                        && c.get("unrequested").asLong() == 40);
    assertThat(counts.get("total").asLong()).isEqualTo(83);
    assertThat(counts.get("targetId").asText()).isEqualTo(target);
    assertThat(counts.get("byStatus").get("REQUESTED").asLong()).isEqualTo(3);
    assertThat(counts.get("byStatus").get("REJECTED").asLong()).isEqualTo(40);
    assertThat(counts.get("byStatus").get("UNREQUESTED").asLong()).isEqualTo(40);
    assertThat(counts.get("byStatus").get("COMPLETED").asLong()).isZero();

    // Unfiltered, the first page holds none of them.
    assertThat(Api.get("/ledger/rotations?target=" + target).findValuesAsText("rotationId"))
        .hasSize(50)
        .doesNotContainAnyElementsOf(inFlight);

    assertThat(
            Api.get("/ledger/rotations?target=" + target + "&state=in-flight")
                .findValuesAsText("rotationId"))
        .containsExactlyElementsOf(inFlight);
    // Across all targets too: the ones in flight are there, nothing that is not in flight.
    JsonNode everyInFlight = Api.get("/ledger/rotations?state=IN-FLIGHT&limit=500");
    assertThat(everyInFlight.findValuesAsText("rotationId")).containsAll(inFlight);
    assertThat(everyInFlight.findValuesAsText("status"))
        .doesNotContain("UNREQUESTED", "COMPLETED", "ROLLED_BACK", "FAILED", "REJECTED");

    // Pages count matching records only.
    List<String> paged = new ArrayList<>();
    for (int offset = 0; offset < 4; offset += 2) {
      JsonNode page =
          Api.get(
              "/ledger/rotations?target=" + target + "&state=in-flight&limit=2&offset=" + offset);
      assertThat(page.size()).isLessThanOrEqualTo(2);
      paged.addAll(page.findValuesAsText("rotationId"));
    }
    assertThat(paged).containsExactlyElementsOf(inFlight);

    JsonNode ended = Api.get("/ledger/rotations?target=" + target + "&state=ended&limit=500");
    assertThat(ended.findValuesAsText("status")).hasSize(40).containsOnly("REJECTED");
    JsonNode unrequested =
        Api.get("/ledger/rotations?target=" + target + "&state=unrequested&limit=500");
    assertThat(unrequested.findValuesAsText("status")).hasSize(40).containsOnly("UNREQUESTED");
    // Filters add up: a status outside the state matches nothing.
    assertThat(Api.get("/ledger/rotations?target=" + target + "&state=in-flight&status=REJECTED"))
        .isEmpty();
    assertThat(
            Api.get("/ledger/export/rotations?target=" + target + "&state=in-flight")
                .findValuesAsText("rotationId"))
        .containsExactlyElementsOf(inFlight);
  }

  private static RotationEvents.Sent sent(
      RotorEvent data, String source, Instant time, String topic) {
    return new RotationEvents.Sent(
        new EventEnvelope(
            data.rotationId() + "-" + data.type(),
            data.type(),
            source,
            data.subject(),
            data.rotationId(),
            time,
            data),
        topic);
  }

  @Test
  void anUnknownStateIsRefusedWithTheParameterAndTheStatesItTakes() {
    for (String path :
        List.of(
            "/ledger/rotations?state=running",
            "/ledger/rotations?state=in%20flight",
            "/ledger/export/rotations?state=open")) {
      given()
          .accept("application/json")
          .when()
          .get(path)
          .then()
          .statusCode(400)
          .body("error", equalTo("INVALID_PARAMETER"))
          .body("parameter", equalTo("state"))
          .body("message", equalTo("state must be one of in-flight, ended, unrequested"));
    }
  }

  @Test
  void aRotationsTimelineListsItsEventsInLogOrder() {
    JsonNode timeline = Api.get("/ledger/rotations/" + completed.rotationId + "/timeline");
    List<String> ids = timeline.get("entries").findValuesAsText("eventId");
    assertThat(ids)
        .containsExactlyInAnyOrderElementsOf(
            completed.events().stream().map(s -> s.event().id()).toList());
    List<Long> indexes =
        timeline.get("entries").findValues("leafIndex").stream().map(JsonNode::asLong).toList();
    assertThat(indexes).isSorted().doesNotHaveDuplicates();
    assertThat(timeline.get("record").get("status").asText()).isEqualTo("COMPLETED");
  }

  @Test
  void aRotationsTimelineComesInPagesThatTogetherHoldEveryEventOnce() {
    List<String> all =
        Api.get("/ledger/rotations/" + completed.rotationId + "/timeline")
            .get("entries")
            .findValuesAsText("eventId");
    assertThat(all).hasSize(14);

    List<String> paged = new java.util.ArrayList<>();
    List<Integer> offsets = new java.util.ArrayList<>();
    String next = "0";
    while (next != null) {
      JsonNode page =
          Api.get("/ledger/rotations/" + completed.rotationId + "/timeline?limit=5&offset=" + next);
      assertThat(page.get("entries").size()).isLessThanOrEqualTo(5);
      assertThat(page.get("record").get("rotationId").asText()).isEqualTo(completed.rotationId);
      offsets.add(page.get("offset").asInt());
      paged.addAll(page.get("entries").findValuesAsText("eventId"));
      next = page.hasNonNull("nextOffset") ? page.get("nextOffset").asText() : null;
    }
    assertThat(offsets).containsExactly(0, 5, 10);
    assertThat(paged).isEqualTo(all);
  }

  @Test
  void aRotationIdFloodedWithForgedEventsIsUnrequestedAndItsTimelineStaysBounded() {
    // Anyone who may write rotor.approvals can approve a rotation nobody requested, many times.
    String rotationId = "forged-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    String target = "ledger-tests/" + rotationId;
    List<RotationEvents.Sent> forged = new java.util.ArrayList<>();
    for (int i = 0; i < 120; i++) {
      dev.rotor.common.event.RotationApproved data =
          new dev.rotor.common.event.RotationApproved(rotationId, target, "mallory", false, "x");
      forged.add(
          new RotationEvents.Sent(
              new dev.rotor.common.event.EventEnvelope(
                  rotationId + "-" + i,
                  data.type(),
                  "/rotor/cli",
                  data.subject(),
                  rotationId,
                  java.time.Instant.parse("2026-11-26T06:00:00Z").plusSeconds(i),
                  data),
              "rotor.approvals"));
    }
    LedgerIngestTest.produce(forged);
    JsonNode record =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    Api.status("/ledger/rotations/" + rotationId) == 200
                        ? Api.get("/ledger/rotations/" + rotationId)
                        : null,
                r -> r != null && r.get("entries").asInt() == 120);

    // Stored, but not presented as requested: nobody asked for this rotation.
    assertThat(record.get("status").asText()).isEqualTo("UNREQUESTED");
    assertThat(record.get("progress").asText()).isEqualTo("REQUESTED");
    assertThat(record.hasNonNull("requestedBy")).isFalse();
    assertThat(
            Api.get("/ledger/rotations?status=unrequested&limit=500")
                .findValuesAsText("rotationId"))
        .contains(rotationId);
    assertThat(
            Api.get("/ledger/rotations?status=REQUESTED&limit=500").findValuesAsText("rotationId"))
        .doesNotContain(rotationId);
    String csv =
        given()
            .queryParam("format", "csv")
            .queryParam("target", target)
            .when()
            .get("/ledger/export/rotations")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(csv.lines().skip(1).findFirst().orElseThrow())
        .startsWith(rotationId + "," + target + ",UNREQUESTED,")
        .endsWith(",REQUESTED");

    // The timeline answers a page of the default size, then the rest.
    JsonNode first = Api.get("/ledger/rotations/" + rotationId + "/timeline");
    assertThat(first.get("entries")).hasSize(100);
    assertThat(first.get("nextOffset").asInt()).isEqualTo(100);
    JsonNode second = Api.get("/ledger/rotations/" + rotationId + "/timeline?offset=100");
    assertThat(second.get("entries")).hasSize(20);
    assertThat(second.hasNonNull("nextOffset")).isFalse();
    given()
        .when()
        .get("/ledger/rotations/" + rotationId + "/timeline?limit=501")
        .then()
        .statusCode(400)
        .body("parameter", equalTo("limit"))
        .body("message", containsString("between 1 and 500"));

    // A verification rebuilds the record from the entries and finds the same.
    JsonNode report = Api.verify();
    assertThat(report.toString()).doesNotContain(rotationId);
  }

  @Test
  void aRotationWhoseRequestArrivesAfterItsOtherEventsMovesOnOnceItArrives() {
    RotationEvents late = RotationEvents.completed("api-late");
    List<RotationEvents.Sent> events = late.events();
    LedgerIngestTest.produce(events.subList(1, 6));
    JsonNode before = awaitStatus(late.rotationId, "UNREQUESTED", 5);
    assertThat(before.get("progress").asText()).isEqualTo("ROLLING_OUT");

    LedgerIngestTest.produce(List.of(events.get(0)));
    JsonNode after = LedgerIngestTest.awaitRecord(late, "ROLLING_OUT");
    assertThat(after.hasNonNull("progress")).isFalse();
    assertThat(after.get("requestedBy").asText()).isEqualTo("alice");
    assertThat(Api.verify().toString()).doesNotContain(late.rotationId);
  }

  private static JsonNode awaitStatus(String rotationId, String status, int entries) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                Api.status("/ledger/rotations/" + rotationId) == 200
                    ? Api.get("/ledger/rotations/" + rotationId)
                    : null,
            r ->
                r != null
                    && r.get("entries").asInt() == entries
                    && r.get("status").asText().equals(status));
  }

  @Test
  void aTargetsHistoryShowsItsRotationsAndItsCadenceReminders() {
    JsonNode history = Api.get("/ledger/targets/" + completed.targetId + "/history");
    assertThat(history.get("targetId").asText()).isEqualTo(completed.targetId);
    assertThat(history.get("rotations").findValuesAsText("rotationId"))
        .containsExactly(completed.rotationId);
    assertThat(history.get("otherEvents").findValuesAsText("eventName"))
        .containsExactly("rotation.due");
  }

  @Test
  void everyEntryOfARotationHasAnInclusionProofThatVerifiesAgainstTheSignedCheckpoint() {
    String note = latestNote();
    Checkpoint checkpoint = Api.open(note);
    for (RotationEvents.Sent sent : completed.events()) {
      JsonNode proof =
          Api.get(
              "/ledger/proofs/inclusion?eventId="
                  + sent.event().id()
                  + "&treeSize="
                  + checkpoint.treeSize());
      assertThat(proof.get("checkpoint").get("signedNote").asText()).isEqualTo(note);
      long index = proof.get("leafIndex").asLong();
      byte[] leaf = Base64.getDecoder().decode(proof.get("leafHash").asText());
      List<byte[]> path = Api.hashes(proof.get("inclusionPath"));

      assertThat(
              MerkleProofs.verifyInclusion(
                  index, checkpoint.treeSize(), leaf, path, checkpoint.rootHash()))
          .as("inclusion of %s", sent.event().id())
          .isTrue();
      // The leaf is the hash of the entry's bytes, which are the event.
      byte[] canonical =
          Base64.getDecoder().decode(Api.entry(sent.event().id()).get("canonical").asText());
      assertThat(TreeHashes.leaf(canonical)).isEqualTo(leaf);
    }
  }

  @Test
  void aConsistencyProofBetweenTwoSignedCheckpointsVerifies() {
    Checkpoint older = Api.open(latestNote());
    RotationEvents later = RotationEvents.rejected("api-later");
    LedgerIngestTest.produce(later.events());
    LedgerIngestTest.awaitRecord(later, "REJECTED");
    Checkpoint newer =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> Api.open(latestNote()), c -> c.treeSize() > older.treeSize());

    JsonNode proof =
        Api.get(
            "/ledger/proofs/consistency?first=" + older.treeSize() + "&second=" + newer.treeSize());
    assertThat(
            MerkleProofs.verifyConsistency(
                older.treeSize(),
                newer.treeSize(),
                older.rootHash(),
                newer.rootHash(),
                Api.hashes(proof.get("consistencyPath"))))
        .isTrue();
  }

  @Test
  void theLatestCheckpointIsServedAsJsonAsASignedNoteAndByItsSize() {
    // A newer checkpoint may be signed between two requests: compare a consistent pair.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode json = Api.get("/ledger/checkpoints/latest");
              String note = latestNote();
              Checkpoint checkpoint = Api.open(note);
              assertThat(json.get("signedNote").asText()).isEqualTo(note);
              assertThat(json.get("treeSize").asLong()).isEqualTo(checkpoint.treeSize());
              assertThat(json.get("rootHash").asText()).isEqualTo(checkpoint.rootHashBase64());
              assertThat(
                      Api.get("/ledger/checkpoints/" + checkpoint.treeSize())
                          .get("signedNote")
                          .asText())
                  .isEqualTo(note);
            });
    JsonNode key = Api.get("/ledger/checkpoints/key");
    assertThat(key.get("algorithm").asText()).isEqualTo("Ed25519");
    assertThat(key.get("verifierKey").asText()).isEqualTo(Api.verifier().verifierKey());
  }

  @Test
  void anAuditorRebuildsEverySignedRootFromTheExportedEntriesAlone() {
    Checkpoint checkpoint = Api.open(latestNote());
    String lines =
        given()
            .when()
            .get("/ledger/export/entries?from=0&limit=5000")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    CompactRange tree = CompactRange.empty();
    byte[] chain = ChainHashes.genesis();
    for (String line : lines.split("\n")) {
      if (tree.size() == checkpoint.treeSize()) {
        break;
      }
      JsonNode entry = Api.json(line);
      assertThat(entry.get("leafIndex").asLong()).isEqualTo(tree.size());
      byte[] leaf = TreeHashes.leaf(Base64.getDecoder().decode(entry.get("canonical").asText()));
      assertThat(Base64.getEncoder().encodeToString(leaf))
          .isEqualTo(entry.get("leafHash").asText());
      chain = ChainHashes.next(chain, leaf);
      assertThat(Base64.getEncoder().encodeToString(chain))
          .isEqualTo(entry.get("chainHash").asText());
      tree.append(leaf);
    }
    assertThat(tree.size()).isEqualTo(checkpoint.treeSize());
    assertThat(MessageDigest.isEqual(tree.root(), checkpoint.rootHash())).isTrue();
  }

  @Test
  void recordsExportAsJsonAndAsCsv() {
    JsonNode json = Api.get("/ledger/export/rotations?target=" + completed.targetId);
    assertThat(json.findValuesAsText("rotationId")).containsExactly(completed.rotationId);
    assertThat(json.get(0).get("escrow").get("armored").asText()).isEqualTo(RotationEvents.ESCROW);

    String csv =
        given()
            .accept("text/csv")
            .when()
            .get("/ledger/export/rotations?target=" + completed.targetId)
            .then()
            .statusCode(200)
            .header("Content-Type", startsWith("text/csv"))
            .extract()
            .asString();
    String[] lines = csv.split("\r\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).startsWith("rotation_id,target_id,status,started_at");
    List<String> row = Arrays.asList(lines[1].split(",", -1));
    assertThat(row.get(0)).isEqualTo(completed.rotationId);
    assertThat(row.get(2)).isEqualTo("COMPLETED");
    assertThat(row)
        .contains(
            "alice",
            "bob",
            completed.fingerprint,
            completed.previousFingerprint,
            "aether-staging;aether-production",
            "aether-staging=PASSED;aether-production=PASSED");
    assertThat(lines[1]).doesNotContain("BEGIN AGE");

    given()
        .when()
        .get("/ledger/export/rotations?format=csv&target=" + completed.targetId)
        .then()
        .statusCode(200)
        .header("Content-Type", startsWith("text/csv"));
  }

  @Test
  void badParametersAreRefusedWith400NamingTheParameterAndUnknownThingsWith404() {
    String[][] bad = {
      {"/ledger/rotations?target=Not_A_Target", "target"},
      {"/ledger/rotations?status=ALMOST", "status"},
      {"/ledger/rotations?limit=0", "limit"},
      {"/ledger/rotations?limit=100000", "limit"},
      {"/ledger/rotations?offset=-1", "offset"},
      {"/ledger/rotations?state=done", "state"},
      {"/ledger/rotation-counts?target=Not_A_Target", "target"},
      {"/ledger/rotations/bad%20id", "rotationId"},
      {"/ledger/entries/minus-one", "leafIndex"},
      {"/ledger/proofs/inclusion?leafIndex=0&treeSize=abc", "treeSize"},
      {"/ledger/proofs/inclusion?leafIndex=0&treeSize=0", "treeSize"},
      {"/ledger/proofs/inclusion", "leafIndex"},
      {"/ledger/proofs/inclusion?leafIndex=1&eventId=x", "leafIndex"},
      {"/ledger/proofs/inclusion?leafIndex=0&treeSize=999999999", "treeSize"},
      {"/ledger/proofs/consistency?first=5&second=2", "first"},
      {"/ledger/proofs/consistency?second=2", "first"},
      {"/ledger/proofs/consistency?first=1&second=999999999", "second"},
      {"/ledger/checkpoints/size", "treeSize"},
      {"/ledger/export/rotations?format=xml", "format"},
      {"/ledger/export/entries?from=-3", "from"},
      {"/ledger/targets/UPPER/case/history", "target"},
      {"/ledger/rotations/no-such-rotation/timeline?limit=0", "limit"},
      {"/ledger/rotations/no-such-rotation/timeline?limit=ten", "limit"},
      {"/ledger/rotations/no-such-rotation/timeline?offset=-1", "offset"},
    };
    for (String[] request : bad) {
      io.restassured.response.Response response = given().when().get(request[0]);
      assertThat(response.statusCode()).as(request[0]).isEqualTo(400);
      JsonNode error = Api.json(response.asString());
      assertThat(error.get("error").asText()).as(request[0]).isEqualTo("INVALID_PARAMETER");
      assertThat(error.get("parameter").asText()).as(request[0]).isEqualTo(request[1]);
    }
    for (String unknown :
        List.of(
            "/ledger/rotations/no-such-rotation",
            "/ledger/rotations/no-such-rotation/timeline",
            "/ledger/entries/999999999",
            "/ledger/entries?eventId=no-such-event",
            "/ledger/checkpoints/999999999")) {
      given()
          .accept("application/json")
          .when()
          .get(unknown)
          .then()
          .statusCode(404)
          .body("error", equalTo("NOT_FOUND"));
    }
  }

  @Test
  void theApiIsDocumentedInOpenApi() {
    String document =
        given()
            .queryParam("format", "json")
            .when()
            .get("/q/openapi")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    for (String path :
        List.of(
            "/ledger/rotations",
            "/ledger/rotation-counts",
            "/ledger/rotations/{rotationId}",
            "/ledger/rotations/{rotationId}/timeline",
            "/ledger/targets/{namespace}/{name}/history",
            "/ledger/entries/{leafIndex}",
            "/ledger/proofs/inclusion",
            "/ledger/proofs/consistency",
            "/ledger/checkpoints/latest",
            "/ledger/checkpoints/{treeSize}",
            "/ledger/checkpoints/key",
            "/ledger/verification",
            "/ledger/export/rotations",
            "/ledger/export/entries")) {
      assertThat(document).as(path).contains("\"" + path + "\"");
    }
  }

  @Test
  void metricsCountEntriesIngestBatchesAndCheckpoints() {
    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("rotor_ledger_entries_total{type=\"rotation.completed\""))
        .body(containsString("rotor_ledger_ingest_batches_total{outcome=\"stored\""))
        .body(containsString("rotor_ledger_checkpoints_total{reason=\"rotation-end\""))
        .body(containsString("rotor_ledger_tree_size"));
  }

  private static String latestNote() {
    return given()
        .accept("text/plain")
        .when()
        .get("/ledger/checkpoints/latest")
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }
}
