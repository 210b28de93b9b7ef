package dev.rotor.ledger.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.ledger.store.DatabaseGuards;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database itself keeps the ledger append-only: the application's role has no UPDATE, DELETE or
 * TRUNCATE privilege and owns nothing, and triggers declared ENABLE ALWAYS refuse those statements
 * to everyone else, even with session_replication_role = replica.
 */
@QuarkusTest
@TestProfile(LedgerTestProfile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class AppendOnlyDatabaseTest {
  private static final List<String> CHANGES =
      List.of(
          "UPDATE ledger.entries SET event_type = event_type",
          "DELETE FROM ledger.entries",
          "TRUNCATE ledger.entries",
          "UPDATE ledger.checkpoints SET reason = reason",
          "DELETE FROM ledger.checkpoints",
          "TRUNCATE ledger.checkpoints CASCADE");

  @ConfigProperty(name = LedgerDatabaseResource.DATABASE)
  String database;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String url;

  @ConfigProperty(name = "quarkus.datasource.username")
  String appRole;

  @Inject DatabaseGuards guards;

  private static boolean prepared;

  /** Once: RestAssured points at the application from the first test on, not before. */
  @BeforeEach
  void theLedgerHoldsEntriesAndACheckpoint() {
    if (prepared) {
      return;
    }
    prepared = true;
    RotationEvents rotation = RotationEvents.rejected("append-only");
    LedgerIngestTest.produce(rotation.events());
    LedgerIngestTest.awaitRecord(rotation, "REJECTED");
  }

  @Test
  void theApplicationRoleMayNeitherUpdateNorDeleteNorTruncateTheLedger() throws SQLException {
    try (Connection app = asApp()) {
      for (String change : CHANGES) {
        assertRefused(app, change, "42501", "permission denied");
      }
    }
  }

  @Test
  void theApplicationRoleCannotDisableTheTriggersNorSkipThemWithTheReplicationRole()
      throws SQLException {
    try (Connection app = asApp()) {
      assertRefused(app, "ALTER TABLE ledger.entries DISABLE TRIGGER ALL", "42501", "owner");
      assertRefused(app, "SET session_replication_role = replica", "42501", "permission denied");
    }
  }

  @Test
  void theApplicationRoleOwnsNothingAndMayOnlyReadAndAppend() throws SQLException {
    try (Connection app = asApp();
        Statement sql = app.createStatement();
        ResultSet tables =
            sql.executeQuery(
                "SELECT tablename, tableowner,"
                    + " has_table_privilege('ledger.' || tablename, 'SELECT'),"
                    + " has_table_privilege('ledger.' || tablename, 'INSERT')"
                    + " FROM pg_tables WHERE schemaname = 'ledger'"
                    + " AND tablename IN ('entries', 'checkpoints')")) {
      int seen = 0;
      while (tables.next()) {
        seen++;
        assertThat(tables.getString(2)).as(tables.getString(1)).isNotEqualTo(appRole);
        assertThat(tables.getBoolean(3)).isTrue();
        assertThat(tables.getBoolean(4)).isTrue();
      }
      assertThat(seen).isEqualTo(2);
    }
    assertThat(guards.appendOnlyProblems()).isEmpty();
    assertThat(guards.triggersNotAlwaysEnabled()).isEmpty();
  }

  @Test
  void anApplicationRoleThatIsAMemberOfTheOwnerRoleIsNotAppendOnly() throws SQLException {
    String owner = LedgerDatabaseResource.owner(database);
    try (Connection c = PostgresServer.superuserConnection(database);
        Statement sql = c.createStatement()) {
      // NOINHERIT hides the owner's privileges until SET ROLE: has_table_privilege says no.
      sql.execute("ALTER ROLE " + appRole + " NOINHERIT");
      sql.execute("GRANT " + owner + " TO " + appRole);
    }
    try {
      assertThat(guards.appendOnlyProblems())
          .contains(appRole + " is a member of " + owner + ", the owner of ledger.entries");
    } finally {
      try (Connection c = PostgresServer.superuserConnection(database);
          Statement sql = c.createStatement()) {
        sql.execute("REVOKE " + owner + " FROM " + appRole);
        sql.execute("ALTER ROLE " + appRole + " INHERIT");
      }
    }
    assertThat(guards.appendOnlyProblems()).isEmpty();
  }

  @Test
  void anApplicationRoleThatOwnsTheSchemaIsNotAppendOnly() throws SQLException {
    // The schema's owner may DROP the ledger's tables, which fires no trigger, and create others.
    String owner;
    String acl;
    try (Connection c = PostgresServer.superuserConnection(database);
        Statement sql = c.createStatement()) {
      try (ResultSet rows =
          sql.executeQuery(
              "SELECT pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace"
                  + " WHERE nspname = 'ledger'")) {
        assertThat(rows.next()).isTrue();
        owner = rows.getString(1);
        acl = rows.getString(2);
      }
      sql.execute("ALTER SCHEMA ledger OWNER TO " + appRole);
    }
    try {
      assertThat(guards.appendOnlyProblems())
          .contains(appRole + " owns schema ledger, so it may drop the ledger's tables");
    } finally {
      try (Connection c = PostgresServer.superuserConnection(database);
          Statement sql = c.createStatement()) {
        sql.execute("ALTER SCHEMA ledger OWNER TO \"" + owner + "\"");
        // The owner's grant of USAGE was handed to the application role with the schema.
        sql.execute("REVOKE ALL ON SCHEMA ledger FROM " + appRole);
        sql.execute("GRANT USAGE ON SCHEMA ledger TO " + appRole);
        try (ResultSet rows =
            sql.executeQuery("SELECT nspacl::text FROM pg_namespace WHERE nspname = 'ledger'")) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getString(1)).as("the schema's privileges, put back").isEqualTo(acl);
        }
      }
    }
    assertThat(guards.appendOnlyProblems()).isEmpty();
  }

  @Test
  void evenTheOwnerOfTheTablesIsRefusedByTheTriggers() throws SQLException {
    try (Connection owner =
        DriverManager.getConnection(
            url, LedgerDatabaseResource.owner(database), LedgerDatabaseResource.OWNER_PASSWORD)) {
      for (String change : CHANGES) {
        assertRefused(owner, change, "P0001", "append-only");
      }
    }
  }

  @Test
  void aSuperuserWithSessionReplicationRoleReplicaIsStillRefusedByTheTriggers()
      throws SQLException {
    try (Connection superuser = PostgresServer.superuserConnection(database);
        Statement sql = superuser.createStatement()) {
      sql.execute("SET session_replication_role = replica");
      for (String change : CHANGES) {
        assertRefused(superuser, change, "P0001", "append-only");
      }
    }
  }

  private Connection asApp() throws SQLException {
    return DriverManager.getConnection(url, appRole, LedgerDatabaseResource.APP_PASSWORD);
  }

  private static void assertRefused(
      Connection connection, String statement, String sqlState, String message) {
    assertThatThrownBy(
            () -> {
              try (Statement sql = connection.createStatement()) {
                sql.execute(statement);
              }
            })
        .as(statement)
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).as(statement).isEqualTo(sqlState);
              assertThat(e.getMessage()).as(statement).contains(message);
            });
  }
}
