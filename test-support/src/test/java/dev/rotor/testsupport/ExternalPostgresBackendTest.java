package dev.rotor.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExternalPostgresBackendTest {

  @Test
  void replacesTheDatabaseOfTheUrlAndKeepsHostsAndParameters() {
    assertThat(
            ExternalPostgresBackend.withDatabase(
                "jdbc:postgresql://db.example:5433/postgres?sslmode=disable", "rotor_test_1"))
        .isEqualTo("jdbc:postgresql://db.example:5433/rotor_test_1?sslmode=disable");
    assertThat(ExternalPostgresBackend.withDatabase("jdbc:postgresql://[::1]:5432", "d"))
        .isEqualTo("jdbc:postgresql://[::1]:5432/d");
    assertThat(ExternalPostgresBackend.withDatabase("jdbc:postgresql://a:1,b:2/x", "d"))
        .isEqualTo("jdbc:postgresql://a:1,b:2/d");
  }

  @Test
  void createsDatabasesThroughTheDatabaseNamedInTheUrl() {
    assertThat(
            new ExternalPostgresBackend("jdbc:postgresql://h/admin?x=y", "u", "p")
                .maintenanceDatabase())
        .isEqualTo("admin");
    assertThat(
            new ExternalPostgresBackend("jdbc:postgresql://h:5432/", "u", "p")
                .maintenanceDatabase())
        .isEqualTo("postgres");
  }

  @Test
  void refusesToStopOrStartAnExternalServer() {
    ExternalPostgresBackend backend =
        new ExternalPostgresBackend("jdbc:postgresql://localhost:5432/postgres", "u", "p");

    assertThatThrownBy(backend::stop).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(backend::start).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsAUrlThatIsNotAPostgreSqlJdbcUrl() {
    assertThatThrownBy(() -> new ExternalPostgresBackend("postgres://localhost/db", "u", "p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:postgresql://host:port/database");
  }

  @Test
  void createsAndDropsFreshDatabasesOnARunningServer() throws Exception {
    PostgresServer.jdbcUrl("postgres");
    ExternalPostgresBackend backend =
        new ExternalPostgresBackend(
            PostgresServer.jdbcUrl("postgres"),
            PostgresServer.username(),
            PostgresServer.password());

    String database = backend.createDatabase();
    try (var connection = backend.connect(database)) {
      assertThat(connection.getCatalog()).isEqualTo(database);
    }
    backend.dropDatabase(database);
  }
}
