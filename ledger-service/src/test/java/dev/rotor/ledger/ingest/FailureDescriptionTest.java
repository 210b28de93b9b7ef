package dev.rotor.ledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

/** What a refused batch says in ROTOR-5010 and the readiness check: never the batch's data. */
class FailureDescriptionTest {
  private static final String SECRET = "2d2d2d2d2d424547494e20414745";

  @Test
  void aRefusedBatchIsDescribedBySqlStateAndTheServersPrimaryMessageOnly() {
    ServerErrorMessage server =
        new ServerErrorMessage(
            "SERROR\0VERROR\0C23505\0Mduplicate key value violates unique constraint"
                + " \"entries_event_id_key\"\0DKey (event_id)=("
                + SECRET
                + ") already exists.\0");
    PSQLException cause = new PSQLException(server, true);
    BatchUpdateException batch =
        new BatchUpdateException(
            "Batch entry 0 insert into ledger.entries (canonical, event_id) values (('\\x"
                + SECRET
                + "'::bytea), ('"
                + SECRET
                + "')) was aborted: "
                + cause.getMessage()
                + "  Call getNextException to see other errors in the batch.",
            "23505",
            0,
            new int[0],
            cause);
    batch.setNextException(cause);
    RuntimeException failure =
        new RuntimeException("could not execute batch", new RuntimeException(batch));

    String description = LedgerConsumer.describe(failure);

    assertThat(description)
        .isEqualTo(
            "database error (SQLState 23505: duplicate key value violates unique constraint"
                + " \"entries_event_id_key\")")
        .doesNotContain(SECRET)
        .doesNotContain("insert");
  }

  @Test
  void aDriverErrorWithoutAServerMessageIsDescribedBySqlStateAlone() {
    SQLException batch =
        new BatchUpdateException(
            "Batch entry 0 insert into ledger.entries values ('" + SECRET + "') was aborted",
            "22P02",
            0,
            new int[0]);

    assertThat(LedgerConsumer.describe(new RuntimeException(batch)))
        .isEqualTo("database error (SQLState 22P02)");
  }

  @Test
  void anUnreachableDatabaseKeepsTheDriversConnectionMessage() {
    PSQLException refused =
        new PSQLException(
            "Connection to localhost:5432 refused.", PSQLState.CONNECTION_UNABLE_TO_CONNECT);

    assertThat(LedgerConsumer.describe(new RuntimeException(refused)))
        .isEqualTo("database unavailable (SQLState 08001: Connection to localhost:5432 refused.)");
  }
}
