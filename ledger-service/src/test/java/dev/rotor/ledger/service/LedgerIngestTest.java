package dev.rotor.ledger.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.merkle.TreeHashes;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.support.Api;
import dev.rotor.ledger.support.Consumption;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Ingest on a real broker and a real PostgreSQL: every event becomes one entry however often it is
 * delivered, holding exactly its canonical bytes; what is not an event goes to rotor.dlq; a
 * rotation's end is checkpointed, signed, published and recorded.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class LedgerIngestTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void everyEventOfARotationDeliveredThreeTimesBecomesExactlyOneEntryEach() {
    RotationEvents rotation = RotationEvents.completed("triple");
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      for (int delivery = 0; delivery < 3; delivery++) {
        RotationEvents.produce(kafka, rotation.events());
      }
    }
    Consumption.awaitAllCommitted(TIMEOUT);

    JsonNode timeline = Api.get("/ledger/rotations/" + rotation.rotationId + "/timeline");
    List<String> recorded = new ArrayList<>();
    timeline.get("entries").forEach(e -> recorded.add(e.get("eventId").asText()));
    assertThat(recorded)
        .containsExactlyInAnyOrderElementsOf(
            rotation.events().stream().map(s -> s.event().id()).toList());
    assertThat(timeline.get("record").get("entries").asInt()).isEqualTo(14);
  }

  @Test
  void anEventIdThatComesBackWithOtherContentKeepsTheFirstAndIsCounted() {
    RotationEvents rotation = RotationEvents.rejected("conflict");
    RotationEvents.Sent first = rotation.events().get(0);
    RotationRequested original = (RotationRequested) first.event().data();
    RotationRequested altered =
        new RotationRequested(
            original.rotationId(),
            original.targetId(),
            "mallory",
            original.reason(),
            original.stages(),
            original.requestedAt());
    EventEnvelope impostor =
        new EventEnvelope(
            first.event().id(),
            first.event().type(),
            first.event().source(),
            first.event().subject(),
            first.event().rotationId(),
            first.event().time(),
            altered);
    produce(List.of(first));
    byte[] kept =
        Base64.getDecoder().decode(awaitEntry(first.event().id()).get("canonical").asText());
    produce(List.of(new RotationEvents.Sent(impostor, first.topic())));
    Consumption.awaitAllCommitted(TIMEOUT);

    assertThat(Base64.getDecoder().decode(Api.entry(first.event().id()).get("canonical").asText()))
        .isEqualTo(kept)
        .isEqualTo(CanonicalEvent.bytes(first.event()));
    given()
        .when()
        .get("/q/metrics")
        .then()
        .body(containsString("rotor_ledger_duplicates_total{conflicting=\"true\""));
  }

  @Test
  void anEventPublishedFirstUnderAnotherProducersIdDoesNotKeepThatProducersEventOut() {
    RotationEvents rotation = RotationEvents.completed("censor");
    EventEnvelope keyGenerated = rotation.events().get(1).event();
    assertThat(keyGenerated.type()).isEqualTo(EventType.KEY_GENERATED);
    EventEnvelope squatter =
        new EventEnvelope(
            keyGenerated.id(),
            EventType.ROTATION_APPROVED,
            "/rotor/cli",
            keyGenerated.subject(),
            keyGenerated.rotationId(),
            keyGenerated.time(),
            new dev.rotor.common.event.RotationApproved(
                rotation.rotationId, rotation.targetId, "mallory", false, null));
    produce(List.of(new RotationEvents.Sent(squatter, "rotor.approvals")));
    awaitEntry(squatter.id());

    produce(rotation.events());
    JsonNode record = awaitRecord(rotation, "COMPLETED");

    assertThat(record.get("keyId").asText())
        .isEqualTo(((dev.rotor.common.event.KeyGenerated) keyGenerated.data()).keyId());
    assertThat(record.get("escrow").get("armored").asText()).isEqualTo(RotationEvents.ESCROW);
    JsonNode timeline = Api.get("/ledger/rotations/" + rotation.rotationId + "/timeline");
    assertThat(timeline.toString())
        .contains("\"eventName\":\"key.generated\",\"source\":\"/rotor/key-generator\"")
        .contains("\"eventName\":\"rotation.approved\",\"source\":\"/rotor/cli\"");

    // An auditor looking the key.generated up by its id names its producer, and gets its entry
    // and a proof of it, not the squatter's recorded first under the same id.
    String id = keyGenerated.id();
    assertThat(Api.get("/ledger/entries?eventId=" + id).get("source").asText())
        .isEqualTo("/rotor/cli");
    JsonNode entry = Api.get("/ledger/entries?eventId=" + id + "&source=/rotor/key-generator");
    assertThat(entry.get("eventName").asText()).isEqualTo("key.generated");
    JsonNode proof =
        Api.get("/ledger/proofs/inclusion?eventId=" + id + "&source=/rotor/key-generator");
    assertThat(proof.get("source").asText()).isEqualTo("/rotor/key-generator");
    assertThat(proof.get("leafIndex").asLong()).isEqualTo(entry.get("leafIndex").asLong());
    assertThat(proof.get("leafHash").asText()).isEqualTo(entry.get("leafHash").asText());
  }

  @Test
  void anEventIdOfTheSameSourceWithOtherContentGoesToTheDeadLetterTopic() {
    RotationEvents rotation = RotationEvents.rejected("conflict-dlq");
    RotationEvents.Sent first = rotation.events().get(0);
    RotationRequested original = (RotationRequested) first.event().data();
    EventEnvelope impostor =
        new EventEnvelope(
            first.event().id(),
            first.event().type(),
            first.event().source(),
            first.event().subject(),
            first.event().rotationId(),
            first.event().time(),
            new RotationRequested(
                original.rotationId(),
                original.targetId(),
                "mallory",
                original.reason(),
                original.stages(),
                original.requestedAt()));
    produce(List.of(first));
    awaitEntry(first.event().id());

    try (KafkaTestClient kafka = new KafkaTestClient()) {
      long offset =
          kafka
              .produce(
                  first.topic(),
                  impostor.subject(),
                  CloudEventBinding.headers(impostor),
                  EventCodec.encode(impostor.data()))
              .offset();
      List<ConsumerRecord<byte[], byte[]>> dead =
          kafka.readUntil(
              "rotor.dlq",
              records ->
                  records.stream()
                      .anyMatch(
                          r ->
                              first.event().id().equals(KafkaTestClient.headerValue(r, "ce_id"))
                                  && Long.toString(offset)
                                      .equals(
                                          KafkaTestClient.headerValue(r, "dead-letter-offset"))),
              TIMEOUT);
      ConsumerRecord<byte[], byte[]> refused =
          dead.stream()
              .filter(r -> first.event().id().equals(KafkaTestClient.headerValue(r, "ce_id")))
              .filter(
                  r ->
                      Long.toString(offset)
                          .equals(KafkaTestClient.headerValue(r, "dead-letter-offset")))
              .findFirst()
              .orElseThrow();
      assertThat(KafkaTestClient.headerValue(refused, "dead-letter-reason"))
          .startsWith("CONFLICTING_DUPLICATE ce_id:");
      assertThat(KafkaTestClient.headerValue(refused, "dead-letter-topic"))
          .isEqualTo(first.topic());
    }
    assertThat(Base64.getDecoder().decode(Api.entry(first.event().id()).get("canonical").asText()))
        .isEqualTo(CanonicalEvent.bytes(first.event()));
  }

  @Test
  void theRotationRecordShowsRequesterApproversFingerprintsCommitClustersVerdictsAndEscrow() {
    RotationEvents rotation = RotationEvents.completed("record");
    produce(rotation.events());

    JsonNode record = awaitRecord(rotation, "COMPLETED");
    assertThat(record.get("targetId").asText()).isEqualTo(rotation.targetId);
    assertThat(record.get("requestedBy").asText()).isEqualTo("alice");
    assertThat(record.get("approvers").toString()).isEqualTo("[\"bob\"]");
    assertThat(record.get("previousFingerprint").asText()).isEqualTo(rotation.previousFingerprint);
    assertThat(record.get("fingerprint").asText()).isEqualTo(rotation.fingerprint);
    assertThat(record.get("keyId").asText()).isEqualTo(rotation.fingerprint.substring(0, 8));
    assertThat(record.get("commit").asText()).isEqualTo("9c1185a5c5e9fc54612808977ee8f548b2258d31");
    assertThat(record.get("clusters").toString())
        .isEqualTo("[\"aether-staging\",\"aether-production\"]");
    assertThat(record.get("verdicts").findValuesAsText("verdict"))
        .containsExactly("PASSED", "PASSED");
    assertThat(record.get("escrow").get("armored").asText()).isEqualTo(RotationEvents.ESCROW);
    assertThat(record.get("escrow").get("recipients").get(0).asText()).startsWith("age1");
    long escrowEntry = record.get("escrow").get("entry").asLong();
    assertThat(Api.get("/ledger/entries/" + escrowEntry).get("eventName").asText())
        .isEqualTo("key.generated");
    assertThat(record.get("endedAt").asText()).isNotBlank();
  }

  @Test
  void aRolledBackRotationAndARejectedOneEndWithTheirOutcome() {
    RotationEvents rolledBack = RotationEvents.rolledBack("rollback");
    RotationEvents rejected = RotationEvents.rejected("rejected");
    produce(rolledBack.events());
    produce(rejected.events());

    JsonNode back = awaitRecord(rolledBack, "ROLLED_BACK");
    assertThat(back.get("rollbackCommit").asText())
        .isEqualTo("e4d909c290d0fb1ca068ffaddf22cbd0aa6f2a1e");
    assertThat(back.get("outcomeMessage").asText()).isEqualTo("verification failed");
    assertThat(back.get("verdicts").findValuesAsText("verdict")).containsExactly("FAILED");

    JsonNode refused = awaitRecord(rejected, "REJECTED");
    assertThat(refused.get("outcome").asText()).isEqualTo("UNKNOWN_TARGET");
    assertThat(refused.get("requestedBy").asText()).isEqualTo("carol");
  }

  @Test
  void everyEventTypeOfTheContractIsStoredAsTheCanonicalBytesThatWereHashed() {
    Map<String, EventEnvelope> sent = new LinkedHashMap<>();
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      for (EventType type : EventType.values()) {
        EventEnvelope sample = SampleEvents.envelope(type);
        EventEnvelope event =
            new EventEnvelope(
                "type-" + UUID.randomUUID(),
                type,
                sample.source(),
                sample.subject(),
                sample.rotationId(),
                sample.time(),
                sample.data());
        RotationEvents.produce(kafka, new RotationEvents.Sent(event, type.topics().get(0)));
        sent.put(event.id(), event);
      }
    }
    for (EventEnvelope event : sent.values()) {
      JsonNode entry = awaitEntry(event.id());
      byte[] canonical = Base64.getDecoder().decode(entry.get("canonical").asText());
      assertThat(canonical).isEqualTo(CanonicalEvent.bytes(event));
      assertThat(Base64.getDecoder().decode(entry.get("leafHash").asText()))
          .isEqualTo(TreeHashes.leaf(canonical));
      assertThat(entry.get("type").asText()).isEqualTo(event.type().cloudEventType());
      assertThat(entry.get("event").get("data"))
          .isEqualTo(Api.json(new String(EventCodec.encode(event.data()), StandardCharsets.UTF_8)));
    }
  }

  @Test
  void aRecordThatIsNotAValidEventGoesToTheDeadLetterTopicWithItsReasonAndIngestGoesOn() {
    RotationEvents rotation = RotationEvents.rejected("poison");
    EventEnvelope valid = rotation.events().get(0).event();
    Map<String, String> missingSource = new LinkedHashMap<>(CloudEventBinding.headers(valid));
    missingSource.remove("ce_source");
    String poisonId = "poison-" + UUID.randomUUID();
    missingSource.put("ce_id", poisonId);
    String forgedId = "forged-" + UUID.randomUUID();
    Map<String, String> forged =
        new LinkedHashMap<>(CloudEventBinding.headers(rotation.events().get(1).event()));
    forged.put("ce_id", forgedId);
    forged.put("ce_source", "/rotor/cli");

    long poisonOffset;
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      poisonOffset =
          kafka
              .produce(
                  "rotor.requests", valid.subject(), missingSource, EventCodec.encode(valid.data()))
              .offset();
      kafka.produce(
          "rotor.requests",
          valid.subject(),
          Map.of(),
          "{not json".getBytes(StandardCharsets.UTF_8));
      kafka.produce(
          "rotor.keys",
          valid.subject(),
          forged,
          EventCodec.encode(rotation.events().get(1).event().data()));
      RotationEvents.produce(kafka, rotation.events());

      awaitRecord(rotation, "REJECTED");
      List<ConsumerRecord<byte[], byte[]>> dead =
          kafka.readUntil(
              "rotor.dlq",
              records -> find(records, poisonId) != null && find(records, forgedId) != null,
              TIMEOUT);
      ConsumerRecord<byte[], byte[]> poison = find(dead, poisonId);
      assertThat(KafkaTestClient.headerValue(poison, "dead-letter-reason"))
          .isEqualTo("MISSING_ATTRIBUTE ce_source: is required");
      assertThat(KafkaTestClient.headerValue(poison, "dead-letter-topic"))
          .isEqualTo("rotor.requests");
      assertThat(KafkaTestClient.headerValue(poison, "dead-letter-partition")).isEqualTo("0");
      assertThat(KafkaTestClient.headerValue(poison, "dead-letter-offset"))
          .isEqualTo(Long.toString(poisonOffset));
      assertThat(KafkaTestClient.key(poison)).isEqualTo(valid.subject());
      assertThat(KafkaTestClient.headerValue(find(dead, forgedId), "dead-letter-reason"))
          .startsWith("FORGED_SOURCE ce_source");
    }
    assertThat(Api.entry(poisonId)).isNull();
    assertThat(Api.entry(forgedId)).isNull();
  }

  @Test
  void aRecordBeyondTheParserLimitsGoesToTheDeadLetterTopicAndTheEventsAfterItAreStored() {
    RotationEvents rotation = RotationEvents.rejected("parser-limit");
    EventEnvelope approval =
        new EventEnvelope(
            "limit-" + UUID.randomUUID(),
            EventType.ROTATION_APPROVED,
            "/rotor/cli",
            "ns-a/secret-a",
            "limit-rotation",
            java.time.Instant.parse("2026-11-26T06:00:00Z"),
            new dev.rotor.common.event.RotationApproved(
                "limit-rotation", "ns-a/secret-a", "eve", false, null));
    String digits = "1".repeat(40);
    String longNumber =
        "{\"rotationId\":\"limit-rotation\",\"targetId\":\"ns-a/secret-a\","
            + "\"approver\":\"eve\",\"force\":"
            + digits
            + "}";
    Map<String, String> nestedHeaders = new LinkedHashMap<>(CloudEventBinding.headers(approval));
    String nestedId = "nested-" + UUID.randomUUID();
    nestedHeaders.put("ce_id", nestedId);
    String nested = "{\"extra\":" + "{\"a\":".repeat(40) + "1" + "}".repeat(41);

    try (KafkaTestClient kafka = new KafkaTestClient()) {
      long offset =
          kafka
              .produce(
                  "rotor.approvals",
                  approval.subject(),
                  CloudEventBinding.headers(approval),
                  longNumber.getBytes(StandardCharsets.UTF_8))
              .offset();
      kafka.produce(
          "rotor.approvals",
          approval.subject(),
          nestedHeaders,
          nested.getBytes(StandardCharsets.UTF_8));
      RotationEvents.produce(kafka, rotation.events());

      awaitRecord(rotation, "REJECTED");
      List<ConsumerRecord<byte[], byte[]>> dead =
          kafka.readUntil(
              "rotor.dlq",
              records -> find(records, approval.id()) != null && find(records, nestedId) != null,
              TIMEOUT);
      ConsumerRecord<byte[], byte[]> poison = find(dead, approval.id());
      assertThat(KafkaTestClient.headerValue(poison, "dead-letter-reason"))
          .startsWith("TOO_LARGE data: holds a number longer than 32 characters")
          .doesNotContain(digits);
      assertThat(KafkaTestClient.headerValue(poison, "dead-letter-offset"))
          .isEqualTo(Long.toString(offset));
      assertThat(KafkaTestClient.headerValue(find(dead, nestedId), "dead-letter-reason"))
          .startsWith("TOO_LARGE data: is nested deeper than 32 levels");
    }
    assertThat(Api.entry(approval.id())).isNull();
    assertThat(Api.entry(nestedId)).isNull();
    for (RotationEvents.Sent sent : rotation.events()) {
      assertThat(Api.entry(sent.event().id())).isNotNull();
    }
  }

  @Test
  void anEventWhoseTimeHasNanosecondsIsStoredWithThemAndVerifies() {
    RotationEvents.Sent due = RotationEvents.rejected("nanos").due();
    EventEnvelope original = due.event();
    EventEnvelope nanos =
        new EventEnvelope(
            original.id(),
            original.type(),
            original.source(),
            original.subject(),
            original.rotationId(),
            java.time.Instant.parse("2026-11-26T06:00:00.123456789Z"),
            original.data());
    produce(List.of(new RotationEvents.Sent(nanos, due.topic())));

    JsonNode entry = awaitEntry(nanos.id());
    assertThat(entry.get("time").asText()).isEqualTo("2026-11-26T06:00:00.123457Z");
    assertThat(new String(Base64.getDecoder().decode(entry.get("canonical").asText())))
        .contains("\"time\":\"2026-11-26T06:00:00.123456789Z\"");
    long index = entry.get("leafIndex").asLong();
    JsonNode report = Api.verify();
    assertThat(report.get("findings").findValues("entry"))
        .as(report.toString())
        .noneMatch(e -> e.asLong() == index);
  }

  @Test
  void theEndOfARotationIsCheckpointedSignedPublishedAndItselfRecorded() {
    RotationEvents rotation = RotationEvents.completed("checkpoint");
    produce(rotation.events());
    String completedId = rotation.events().get(13).event().id();
    long completedIndex = awaitEntry(completedId).get("leafIndex").asLong();

    try (KafkaTestClient kafka = new KafkaTestClient()) {
      List<ConsumerRecord<byte[], byte[]>> published =
          kafka.readUntil(
              "rotor.ledger",
              records -> checkpointCovering(records, completedIndex) != null,
              TIMEOUT);
      ConsumerRecord<byte[], byte[]> record = checkpointCovering(published, completedIndex);
      JsonNode data = Api.json(KafkaTestClient.valueText(record));
      Checkpoint checkpoint = Api.open(data.get("signedNote").asText());

      assertThat(checkpoint.origin()).isEqualTo(SigningKeyResource.ORIGIN);
      assertThat(checkpoint.treeSize()).isEqualTo(data.get("treeSize").asLong());
      assertThat(checkpoint.rootHashBase64()).isEqualTo(data.get("rootHash").asText());
      assertThat(KafkaTestClient.headerValue(record, "ce_source"))
          .isEqualTo("/rotor/ledger-service");
      assertThat(KafkaTestClient.key(record)).isEqualTo(SigningKeyResource.ORIGIN);
      assertThat(Api.includedIn(completedIndex, checkpoint)).isTrue();

      String checkpointEventId = KafkaTestClient.headerValue(record, "ce_id");
      JsonNode recorded = awaitEntry(checkpointEventId);
      assertThat(recorded.get("eventName").asText()).isEqualTo("ledger.checkpoint");
      assertThat(recorded.get("leafIndex").asLong()).isGreaterThanOrEqualTo(checkpoint.treeSize());
    }
  }

  @Test
  void eventsOutsideRotationsAreCheckpointedWithinTheInterval() {
    RotationEvents target = RotationEvents.rejected("interval");
    RotationEvents.Sent due = target.due();
    produce(List.of(due));
    long index = awaitEntry(due.event().id()).get("leafIndex").asLong();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(Api.get("/ledger/checkpoints/latest").get("treeSize").asLong())
                    .isGreaterThan(index));
    JsonNode history = Api.get("/ledger/targets/" + target.targetId + "/history");
    assertThat(history.get("otherEvents").findValuesAsText("eventId")).contains(due.event().id());
  }

  static void produce(List<RotationEvents.Sent> events) {
    try (KafkaTestClient kafka = new KafkaTestClient()) {
      RotationEvents.produce(kafka, events);
    }
  }

  static JsonNode awaitRecord(RotationEvents rotation, String status) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () ->
                Api.status("/ledger/rotations/" + rotation.rotationId) == 200
                    ? Api.get("/ledger/rotations/" + rotation.rotationId)
                    : null,
            record -> record != null && record.get("status").asText().equals(status));
  }

  static JsonNode awaitEntry(String eventId) {
    return await().atMost(TIMEOUT).until(() -> Api.entry(eventId), entry -> entry != null);
  }

  private static ConsumerRecord<byte[], byte[]> find(
      List<ConsumerRecord<byte[], byte[]>> records, String ceId) {
    return records.stream()
        .filter(r -> ceId.equals(KafkaTestClient.headerValue(r, "ce_id")))
        .findFirst()
        .orElse(null);
  }

  private static ConsumerRecord<byte[], byte[]> checkpointCovering(
      List<ConsumerRecord<byte[], byte[]>> records, long index) {
    return records.stream()
        .filter(r -> Api.json(KafkaTestClient.valueText(r)).get("treeSize").asLong() > index)
        .findFirst()
        .orElse(null);
  }
}
