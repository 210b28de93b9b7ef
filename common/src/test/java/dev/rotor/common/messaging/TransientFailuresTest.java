package dev.rotor.common.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class TransientFailuresTest {

  @Test
  void aDatabaseThatIsAwayOrInADeadlockIsTransientWhereverItIsInTheCauses() {
    assertThat(
            TransientFailures.isTransient(
                new IllegalStateException(
                    "JDBC exception executing SQL",
                    new SQLException(
                        "An I/O error occurred while sending to the backend.", "08006"))))
        .isTrue();
    assertThat(TransientFailures.isTransient(new SQLException("deadlock detected", "40P01")))
        .isTrue();
    assertThat(TransientFailures.isTransient(new SQLException("shutting down", "57P01"))).isTrue();
    assertThat(
            TransientFailures.isTransient(
                new RuntimeException(new SQLTransientConnectionException("timeout"))))
        .isTrue();
    assertThat(
            TransientFailures.isTransient(
                new SQLException("Acquisition timeout while waiting for new connection")))
        .isTrue();
  }

  @Test
  void whatTheDatabaseRefusesForTheDataIsNotTransient() {
    assertThat(TransientFailures.isTransient(new SQLException("duplicate key", "23505"))).isFalse();
    assertThat(TransientFailures.isTransient(new SQLException("invalid byte sequence", "22021")))
        .isFalse();
    assertThat(TransientFailures.isTransient(new IllegalArgumentException("bad input"))).isFalse();
  }
}
