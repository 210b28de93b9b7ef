package dev.rotor.ledger.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Records of never-requested rotations stored before UNREQUESTED existed said REQUESTED (or
 * further). Migration V5 rewrites them to what their entries fold to now, so the API tells the
 * truth and a verification does not report every such record as a PROJECTION_MISMATCH.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class UnrequestedRecordsMigrationTest {
  @ConfigProperty(name = LedgerDatabaseResource.DATABASE)
  String database;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String url;

  @Test
  void recordsFoldedBeforeUnrequestedExistedAreRewrittenByV5AndVerifyAgain() throws Exception {
    // Entries 1-5 of a rotation (key generated ... rollout started) but not its request.
    RotationEvents stray = RotationEvents.completed("v5-stray");
    RotationEvents requested = RotationEvents.completed("v5-requested");
    LedgerIngestTest.produce(stray.events().subList(1, 6));
    LedgerIngestTest.produce(requested.events());
    awaitStatus(stray.rotationId, "UNREQUESTED");
    awaitStatus(requested.rotationId, "COMPLETED");

    // As the code before V5 stored it: its progress as its status, no progress field.
    asApp(
        "UPDATE ledger.rotations SET status = 'ROLLING_OUT', record = (record - 'progress')"
            + " || '{\"status\":\"ROLLING_OUT\"}'::jsonb WHERE rotation_id = ?",
        stray.rotationId);
    assertThat(Api.get("/ledger/rotations/" + stray.rotationId).get("status").asText())
        .isEqualTo("ROLLING_OUT");
    assertThat(Api.verify().toString()).contains(stray.rotationId);

    migrateV5();

    JsonNode record = Api.get("/ledger/rotations/" + stray.rotationId);
    assertThat(record.get("status").asText()).isEqualTo("UNREQUESTED");
    assertThat(record.get("progress").asText()).isEqualTo("ROLLING_OUT");
    assertThat(
            Api.get("/ledger/rotations?status=UNREQUESTED&limit=500")
                .findValuesAsText("rotationId"))
        .contains(stray.rotationId);
    JsonNode untouched = Api.get("/ledger/rotations/" + requested.rotationId);
    assertThat(untouched.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(untouched.hasNonNull("progress")).isFalse();
    JsonNode report = Api.verify();
    assertThat(report.toString()).doesNotContain(stray.rotationId);
    assertThat(report.toString()).doesNotContain(requested.rotationId);

    // The request arriving afterwards moves the migrated record on.
    LedgerIngestTest.produce(List.of(stray.events().get(0)));
    awaitStatus(stray.rotationId, "ROLLING_OUT");
  }

  private void migrateV5() throws IOException, SQLException {
    String sql;
    try (InputStream in =
        getClass()
            .getClassLoader()
            .getResourceAsStream("db/ledger/V5__unrequested_rotations.sql")) {
      assertThat(in).as("migration V5").isNotNull();
      sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection owner =
            DriverManager.getConnection(
                url,
                LedgerDatabaseResource.owner(database),
                LedgerDatabaseResource.OWNER_PASSWORD);
        Statement statement = owner.createStatement()) {
      statement.execute("SET search_path TO ledger");
      statement.execute(sql);
    }
  }

  private void asApp(String sql, String rotationId) throws SQLException {
    try (Connection app =
            DriverManager.getConnection(
                url, LedgerDatabaseResource.app(database), LedgerDatabaseResource.APP_PASSWORD);
        PreparedStatement update = app.prepareStatement(sql)) {
      update.setString(1, rotationId);
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
  }

  private static void awaitStatus(String rotationId, String status) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                Api.status("/ledger/rotations/" + rotationId) == 200
                    && Api.get("/ledger/rotations/" + rotationId)
                        .get("status")
                        .asText()
                        .equals(status));
  }
}
