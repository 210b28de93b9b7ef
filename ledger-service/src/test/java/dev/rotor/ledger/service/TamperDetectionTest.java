package dev.rotor.ledger.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.ledger.chain.ChainHashes;
import dev.rotor.ledger.checkpoint.CheckpointIssuer;
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
import dev.rotor.testsupport.PostgresServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A database administrator rewrites history as a superuser, switching the refusing trigger off the
 * way a DBA could: verification names the first bad entry every time, and a checkpoint signed
 * before the rewrite, kept elsewhere, proves it. Each test puts the row back afterwards, and the
 * log verifies again.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class TamperDetectionTest {
  private static final long PARKED = 9_000_000_000_000_000_000L;

  @ConfigProperty(name = LedgerDatabaseResource.DATABASE)
  String database;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String url;

  @Inject CheckpointIssuer issuer;

  private static RotationEvents rotation;
  private static String keptNote;
  private static Map<String, Long> index;

  @FunctionalInterface
  interface Work {
    void run(Connection connection) throws SQLException;
  }

  @BeforeEach
  void aSignedCheckpointCoversARotationAndIsKeptElsewhere() {
    if (rotation != null) {
      return;
    }
    rotation = RotationEvents.completed("tamper");
    LedgerIngestTest.produce(rotation.events());
    LedgerIngestTest.awaitRecord(rotation, "COMPLETED");
    index = new LinkedHashMap<>();
    for (RotationEvents.Sent sent : rotation.events()) {
      index.put(
          sent.event().type().eventName(),
          LedgerIngestTest.awaitEntry(sent.event().id()).get("leafIndex").asLong());
    }
    long last = index.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    keptNote =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(TamperDetectionTest::latestNote, note -> Api.open(note).treeSize() > last);
  }

  @Test
  void theUntouchedLogVerifiesAgainstEverySignedCheckpoint() {
    JsonNode report = Api.verify();
    assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
    assertThat(report.get("firstBadEntry").isNull()).isTrue();
    assertThat(report.get("latestCheckpoint").get("matches").asBoolean()).isTrue();
    assertThat(report.get("checkpointsFailed").asInt()).isZero();
    assertThat(report.get("checkpointsVerified").asInt()).isPositive();
  }

  @Test
  void changingOneEntrysDataIsFoundAtThatEntry() throws SQLException {
    long k = index.get("rotation.requested");
    byte[] original = column(k, "canonical");
    byte[] changed = replace(original, "\"alice\"", "\"mallory\"");
    try {
      tamper(c -> update(c, k, Map.of("canonical", changed)));

      JsonNode report = Api.verify();
      assertFirstBad(report, k, "DATA_MISMATCH");
      assertKeptCheckpointNoLongerMatches(report);
      // A proof of the stored hashes no longer covers the bytes now stored.
      JsonNode proof =
          Api.get("/ledger/proofs/inclusion?leafIndex=" + k + "&treeSize=" + kept().treeSize());
      assertThat(
              MerkleProofs.verifyInclusion(
                  k,
                  kept().treeSize(),
                  TreeHashes.leaf(changed),
                  Api.hashes(proof.get("inclusionPath")),
                  kept().rootHash()))
          .isFalse();
    } finally {
      tamper(c -> update(c, k, Map.of("canonical", original)));
    }
    assertVerifiesAgain();
  }

  @Test
  void deletingAnEntryIsFoundAtItsPosition() throws SQLException {
    long k = index.get("manifest.proposed");
    Map<String, Object> row = row(k);
    try {
      tamper(c -> execute(c, "DELETE FROM ledger.entries WHERE leaf_index = " + k));

      JsonNode report = Api.verify();
      assertFirstBad(report, k, "MISSING_ENTRY");
      assertKeptCheckpointNoLongerMatches(report);
    } finally {
      tamper(c -> insert(c, row));
    }
    assertVerifiesAgain();
  }

  @Test
  void reorderingTwoEntriesIsFoundAtTheFirstOfThem() throws SQLException {
    long i = index.get("key.generated");
    long j = index.get("verification.started");
    Work swap =
        c -> {
          execute(
              c, "UPDATE ledger.entries SET leaf_index = " + PARKED + " WHERE leaf_index = " + i);
          execute(c, "UPDATE ledger.entries SET leaf_index = " + i + " WHERE leaf_index = " + j);
          execute(
              c, "UPDATE ledger.entries SET leaf_index = " + j + " WHERE leaf_index = " + PARKED);
        };
    try {
      tamper(swap);

      JsonNode report = Api.verify();
      assertFirstBad(report, Math.min(i, j), "BROKEN_LINK");
      assertThat(finding(report, Math.min(i, j), "BROKEN_LINK").get("message").asText())
          .contains("moved");
      assertKeptCheckpointNoLongerMatches(report);
    } finally {
      tamper(swap);
    }
    assertVerifiesAgain();
  }

  @Test
  void forgingAMiddleEntryWithRecomputedHashesIsFoundAtTheForgedEntry() throws SQLException {
    long k = index.get("rotation.requested");
    byte[] canonical = column(k, "canonical");
    byte[] leaf = column(k, "leaf_hash");
    byte[] chain = column(k, "chain_hash");
    byte[] forged = replace(canonical, "\"alice\"", "\"mallory\"");
    byte[] forgedLeaf = TreeHashes.leaf(forged);
    byte[] forgedChain = ChainHashes.next(column(k, "prev_hash"), forgedLeaf);
    try {
      tamper(
          c ->
              update(
                  c,
                  k,
                  Map.of("canonical", forged, "leaf_hash", forgedLeaf, "chain_hash", forgedChain)));

      JsonNode report = Api.verify();
      assertFirstBad(report, k, "BROKEN_LINK");
      assertThat(finding(report, k, "BROKEN_LINK").get("message").asText()).contains("rewritten");
      assertThat(report.findValuesAsText("kind")).doesNotContain("DATA_MISMATCH", "CHAIN_MISMATCH");
      assertKeptCheckpointNoLongerMatches(report);
      // Even the stored (forged) hashes do not prove the forged entry against the kept checkpoint.
      assertThat(Api.includedIn(k, kept())).isFalse();
    } finally {
      tamper(
          c ->
              update(c, k, Map.of("canonical", canonical, "leaf_hash", leaf, "chain_hash", chain)));
    }
    assertVerifiesAgain();
  }

  @Test
  void aRotationRecordRewrittenByTheApplicationRoleIsFoundByVerification() throws SQLException {
    String select = "SELECT record::text FROM ledger.rotations WHERE rotation_id = ?";
    String original;
    try (Connection app =
            DriverManager.getConnection(
                url, LedgerDatabaseResource.app(database), LedgerDatabaseResource.APP_PASSWORD);
        PreparedStatement read = app.prepareStatement(select)) {
      read.setString(1, rotation.rotationId);
      try (ResultSet rows = read.executeQuery()) {
        assertThat(rows.next()).isTrue();
        original = rows.getString(1);
      }
    }
    try {
      try (Connection app =
              DriverManager.getConnection(
                  url, LedgerDatabaseResource.app(database), LedgerDatabaseResource.APP_PASSWORD);
          PreparedStatement rewrite =
              app.prepareStatement(
                  "UPDATE ledger.rotations SET record = jsonb_set(record, '{approvers}',"
                      + " '[\"mallory\"]') WHERE rotation_id = ?")) {
        rewrite.setString(1, rotation.rotationId);
        assertThat(rewrite.executeUpdate()).isEqualTo(1);
      }
      assertThat(Api.get("/ledger/rotations/" + rotation.rotationId).get("approvers").toString())
          .isEqualTo("[\"mallory\"]");

      JsonNode report = Api.verify();
      assertThat(report.get("ok").asBoolean()).as(report.toString()).isFalse();
      assertThat(report.get("findings"))
          .as(report.toString())
          .anySatisfy(
              f -> {
                assertThat(f.get("kind").asText()).isEqualTo("PROJECTION_MISMATCH");
                assertThat(f.get("message").asText())
                    .contains(rotation.rotationId)
                    .contains("approvers");
              });
    } finally {
      try (Connection app =
              DriverManager.getConnection(
                  url, LedgerDatabaseResource.app(database), LedgerDatabaseResource.APP_PASSWORD);
          PreparedStatement restore =
              app.prepareStatement(
                  "UPDATE ledger.rotations SET record = ?::jsonb WHERE rotation_id = ?")) {
        restore.setString(1, original);
        restore.setString(2, rotation.rotationId);
        restore.executeUpdate();
      }
    }
    assertVerifiesAgain();
  }

  private static void assertFirstBad(JsonNode report, long entry, String kind) {
    assertThat(report.get("ok").asBoolean()).as(report.toString()).isFalse();
    assertThat(report.get("firstBadEntry").asLong()).as(report.toString()).isEqualTo(entry);
    assertThat(finding(report, entry, kind)).as(report.toString()).isNotNull();
    assertThat(report.get("summary").asText()).contains("first bad entry " + entry);
  }

  private static JsonNode finding(JsonNode report, long entry, String kind) {
    for (JsonNode finding : report.get("findings")) {
      if (finding.get("kind").asText().equals(kind)
          && !finding.get("entry").isNull()
          && finding.get("entry").asLong() == entry) {
        return finding;
      }
    }
    return null;
  }

  /**
   * The service's own report says the kept checkpoint's root is no longer reproduced, and an
   * auditor who rebuilds the tree from the exported bytes alone finds the same.
   */
  private static void assertKeptCheckpointNoLongerMatches(JsonNode report) {
    Checkpoint kept = kept();
    assertThat(report.get("checkpointsFailed").asInt()).isPositive();
    boolean named = false;
    for (JsonNode finding : report.get("findings")) {
      if (finding.get("kind").asText().equals("CHECKPOINT_MISMATCH")
          && finding.get("expected").asText().equals(kept.rootHashBase64())) {
        named = true;
      }
    }
    assertThat(named).as("the kept checkpoint is named: %s", report).isTrue();

    String lines =
        given()
            .when()
            .get("/ledger/export/entries?from=0&limit=5000")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    CompactRange rebuilt = CompactRange.empty();
    for (String line : lines.split("\n")) {
      if (rebuilt.size() == kept.treeSize()) {
        break;
      }
      rebuilt.append(
          TreeHashes.leaf(Base64.getDecoder().decode(Api.json(line).get("canonical").asText())));
    }
    assertThat(MessageDigest.isEqual(rebuilt.root(), kept.rootHash())).isFalse();
  }

  @Test
  void checkpointRowsTheLogDidNotSignNeitherStopCheckpointsNorStandForTheLogs()
      throws SQLException {
    // Rows the application role may insert, none signed by the log's key: one for a size the log
    // will not reach for ages, one at the size of the log's latest checkpoint.
    long beyond = 1_000_000_000_000L;
    String latest = latestNote();
    long signedSize = Api.open(latest).treeSize();
    try (Connection c = PostgresServer.superuserConnection(database)) {
      for (long size : new long[] {beyond, signedSize}) {
        execute(
            c,
            "INSERT INTO ledger.checkpoints (tree_size, root_hash, issued_at, reason, key_name,"
                + " key_id, signed_note, event_id) VALUES ("
                + size
                + ", decode(repeat('00', 32), 'hex'), now(), 'entries', 'forged', 'forged',"
                + " 'forged', 'forged-checkpoint-"
                + size
                + "')");
      }
    }
    try {
      // The log's own checkpoints only (the scheduler may sign a newer one meanwhile): Api.open
      // verifies the note with the log's key.
      assertThat(Api.open(latestNote()).treeSize())
          .as("the latest checkpoint served")
          .isBetween(signedSize, beyond - 1);
      long k = index.get("rotation.requested");
      JsonNode proof = Api.get("/ledger/proofs/inclusion?leafIndex=" + k);
      assertThat(proof.get("treeSize").asLong()).isBetween(signedSize, beyond - 1);
      assertThat(Api.open(proof.get("checkpoint").get("signedNote").asText()).treeSize())
          .as("the checkpoint a proof names is the log's")
          .isEqualTo(proof.get("treeSize").asLong());
      assertThat(Api.get("/ledger/proofs/consistency?first=1").get("second").asLong())
          .isBetween(signedSize, beyond - 1);

      // An entry appended since the latest signed checkpoint makes an interval checkpoint due.
      RotationEvents next = RotationEvents.completed("tamper-unsigned-rows");
      LedgerIngestTest.produce(next.events().subList(0, 1));
      long appended =
          LedgerIngestTest.awaitEntry(next.events().get(0).event().id()).get("leafIndex").asLong();
      // By this call or by the scheduler's (every 2 s in tests), whichever comes first.
      issuer.issueIfStale(CheckpointIssuer.INTERVAL);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Api.open(latestNote()).treeSize() > appended);

      JsonNode report = Api.verify();
      assertThat(report.get("ok").asBoolean()).isFalse();
      assertThat(report.toString()).contains("CHECKPOINT_INVALID");
    } finally {
      try (Connection c = PostgresServer.superuserConnection(database)) {
        c.setAutoCommit(false);
        execute(
            c, "ALTER TABLE ledger.checkpoints DISABLE TRIGGER checkpoints_refuse_update_delete");
        execute(
            c,
            "DELETE FROM ledger.checkpoint_outbox WHERE checkpoint_id IN (SELECT id FROM"
                + " ledger.checkpoints WHERE event_id LIKE 'forged-checkpoint-%')");
        execute(c, "DELETE FROM ledger.checkpoints WHERE event_id LIKE 'forged-checkpoint-%'");
        execute(
            c,
            "ALTER TABLE ledger.checkpoints ENABLE ALWAYS TRIGGER checkpoints_refuse_update_delete");
        c.commit();
      }
    }
    assertVerifiesAgain();
  }

  private static void assertVerifiesAgain() {
    JsonNode report = Api.verify();
    assertThat(report.get("ok").asBoolean()).as(report.toString()).isTrue();
  }

  private static Checkpoint kept() {
    return Api.open(keptNote);
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

  /** Runs {@code work} as the superuser with the refusing row trigger off, as a DBA could. */
  private void tamper(Work work) throws SQLException {
    try (Connection c = PostgresServer.superuserConnection(database)) {
      c.setAutoCommit(false);
      execute(c, "ALTER TABLE ledger.entries DISABLE TRIGGER entries_refuse_update_delete");
      work.run(c);
      execute(c, "ALTER TABLE ledger.entries ENABLE ALWAYS TRIGGER entries_refuse_update_delete");
      c.commit();
    }
  }

  private byte[] column(long leafIndex, String column) throws SQLException {
    try (Connection c = PostgresServer.superuserConnection(database);
        PreparedStatement select =
            c.prepareStatement("SELECT " + column + " FROM ledger.entries WHERE leaf_index = ?")) {
      select.setLong(1, leafIndex);
      try (ResultSet rows = select.executeQuery()) {
        assertThat(rows.next()).isTrue();
        return rows.getBytes(1);
      }
    }
  }

  private Map<String, Object> row(long leafIndex) throws SQLException {
    try (Connection c = PostgresServer.superuserConnection(database);
        PreparedStatement select =
            c.prepareStatement("SELECT * FROM ledger.entries WHERE leaf_index = ?")) {
      select.setLong(1, leafIndex);
      try (ResultSet rows = select.executeQuery()) {
        assertThat(rows.next()).isTrue();
        ResultSetMetaData meta = rows.getMetaData();
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnName(i), rows.getObject(i));
        }
        return row;
      }
    }
  }

  private static void insert(Connection c, Map<String, Object> row) throws SQLException {
    List<String> columns = new ArrayList<>(row.keySet());
    String sql =
        "INSERT INTO ledger.entries ("
            + String.join(", ", columns)
            + ") VALUES ("
            + String.join(", ", columns.stream().map(x -> "?").toList())
            + ")";
    try (PreparedStatement insert = c.prepareStatement(sql)) {
      for (int i = 0; i < columns.size(); i++) {
        insert.setObject(i + 1, row.get(columns.get(i)));
      }
      insert.executeUpdate();
    }
  }

  private static void update(Connection c, long leafIndex, Map<String, byte[]> values)
      throws SQLException {
    List<String> columns = new ArrayList<>(values.keySet());
    String sql =
        "UPDATE ledger.entries SET "
            + String.join(", ", columns.stream().map(x -> x + " = ?").toList())
            + " WHERE leaf_index = ?";
    try (PreparedStatement update = c.prepareStatement(sql)) {
      for (int i = 0; i < columns.size(); i++) {
        update.setBytes(i + 1, values.get(columns.get(i)));
      }
      update.setLong(columns.size() + 1, leafIndex);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement statement = c.createStatement()) {
      statement.execute(sql);
    }
  }

  private static byte[] replace(byte[] canonical, String from, String to) {
    String text = new String(canonical, StandardCharsets.UTF_8);
    assertThat(text).contains(from);
    return text.replace(from, to).getBytes(StandardCharsets.UTF_8);
  }
}
