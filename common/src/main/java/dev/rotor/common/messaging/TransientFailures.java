package dev.rotor.common.messaging;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Whether a consumer's failure says nothing about the record: the database was away, busy or in a
 * deadlock. Such a record must be tried again, not dead-lettered; a record that the database
 * refuses for what it holds (a constraint, bad data) fails every time and goes to the dead-letter
 * topic.
 */
public final class TransientFailures {
  private TransientFailures() {}

  /**
   * True when {@code failure} or one of its causes is a transient or recoverable JDBC error, or an
   * SQL state of class 08 (connection), 40 (transaction rollback: deadlock, serialization), 53
   * (insufficient resources) or 57 (operator intervention: the server shut down).
   */
  public static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (state != null
            && (state.startsWith("08")
                || state.startsWith("40")
                || state.startsWith("53")
                || state.startsWith("57"))) {
          return true;
        }
        if (state == null
            && sql.getMessage() != null
            && sql.getMessage().contains("Acquisition timeout")) {
          return true;
        }
      }
    }
    return false;
  }
}
