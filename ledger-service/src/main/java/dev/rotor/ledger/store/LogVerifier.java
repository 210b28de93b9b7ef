package dev.rotor.ledger.store;

import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.checkpoint.LedgerKeys;
import dev.rotor.ledger.config.LedgerConfig;
import dev.rotor.ledger.metrics.LedgerMetrics;
import dev.rotor.ledger.rotation.RotationProjection;
import dev.rotor.ledger.rotation.RotationRecord;
import dev.rotor.ledger.verify.LogVerification;
import dev.rotor.ledger.verify.StoredCheckpoint;
import dev.rotor.ledger.verify.StoredEntry;
import dev.rotor.ledger.verify.VerificationReport;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGStatement;

/**
 * Runs {@link LogVerification} over the store: one read-only, repeatable-read transaction, so the
 * entries and checkpoints it sees are one consistent snapshot while ingest goes on. One
 * verification at a time.
 */
@ApplicationScoped
public class LogVerifier {
  private static final Logger LOG = Logger.getLogger(LogVerifier.class);
  private static final int FETCH_SIZE = 1000;

  @Inject AgroalDataSource dataSource;
  @Inject LedgerKeys keys;
  @Inject LedgerConfig config;
  @Inject DatabaseGuards guards;
  @Inject LedgerMetrics metrics;
  @Inject Clock clock;

  @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema", defaultValue = "ledger")
  String schema;

  private final Semaphore running = new Semaphore(1);
  private volatile VerificationReport latest;

  /** Thrown when a verification is already running. */
  public static final class BusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BusyException() {
      super("a verification of the log is already running");
    }
  }

  /**
   * Verifies the whole log now.
   *
   * @throws BusyException when another verification runs
   */
  public VerificationReport verify() {
    if (!running.tryAcquire()) {
      throw new BusyException();
    }
    try {
      VerificationReport report = run();
      latest = report;
      metrics.verified(report.ok(), Duration.ofMillis(report.durationMillis()));
      if (report.ok()) {
        LOG.infof("ROTOR-5030 %s in %d ms", report.summary(), report.durationMillis());
      } else {
        LOG.errorf(
            "ROTOR-5031 %s; %d findings, %d signed checkpoints no longer reproduced",
            report.summary(),
            report.findings().size() + report.findingsOmitted(),
            report.checkpointsFailed());
      }
      return report;
    } finally {
      running.release();
    }
  }

  /** The report of the latest verification since start-up. */
  public Optional<VerificationReport> latest() {
    return Optional.ofNullable(latest);
  }

  @Scheduled(
      identity = "ledger-verification",
      every = "${rotor.ledger.verification.every}",
      delayed = "1m",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void scheduled() {
    try {
      verify();
    } catch (BusyException e) {
      LOG.debug("ROTOR-5032 scheduled verification skipped: one is running");
    } catch (RuntimeException e) {
      LOG.warnf("ROTOR-5033 scheduled verification could not run: %s", e.toString());
    }
  }

  private VerificationReport run() {
    Instant started = clock.instant();
    long startNanos = System.nanoTime();
    List<String> guardsDisabled = guards.triggersNotAlwaysEnabled();
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      int isolation = connection.getTransactionIsolation();
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      connection.setReadOnly(true);
      try {
        LogVerification verification =
            new LogVerification(
                checkpoints(connection),
                keys.trusted(),
                keys.origin(),
                config.verification().maxFindings());
        scanEntries(connection, verification);
        scanRotations(connection, verification);
        VerificationReport report =
            verification.finish(
                hash -> owner(connection, hash),
                guardsDisabled,
                started,
                Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
        connection.rollback();
        return report;
      } finally {
        connection.setReadOnly(false);
        connection.setTransactionIsolation(isolation);
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the log could not be read for verification (SQLState " + e.getSQLState() + ")", e);
    }
  }

  private List<StoredCheckpoint> checkpoints(Connection connection) throws SQLException {
    List<StoredCheckpoint> checkpoints = new ArrayList<>();
    try (PreparedStatement statement =
            connection.prepareStatement(
                "SELECT id, tree_size, root_hash, issued_at, signed_note FROM "
                    + schema
                    + ".checkpoints ORDER BY tree_size, id");
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        checkpoints.add(
            new StoredCheckpoint(
                rows.getLong(1),
                rows.getLong(2),
                rows.getBytes(3),
                rows.getTimestamp(4).toInstant(),
                rows.getString(5)));
      }
    }
    return checkpoints;
  }

  private void scanEntries(Connection connection, LogVerification verification)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT leaf_index, event_id, event_type, source, subject, rotation_id, event_time,"
                + " canonical, leaf_hash, prev_hash, chain_hash, subtree_hashes FROM "
                + schema
                + ".entries ORDER BY leaf_index")) {
      statement.setFetchSize(FETCH_SIZE);
      // A server-prepared statement from the first execution: rows come in binary, so the
      // bytea columns are not sent and decoded as hex text.
      statement.unwrap(PGStatement.class).setPrepareThreshold(-1);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          Timestamp time = rows.getTimestamp(7);
          verification.accept(
              new StoredEntry(
                  rows.getLong(1),
                  rows.getString(2),
                  rows.getString(3),
                  rows.getString(4),
                  rows.getString(5),
                  rows.getString(6),
                  time == null ? null : time.toInstant(),
                  rows.getBytes(8),
                  rows.getBytes(9),
                  rows.getBytes(10),
                  rows.getBytes(11),
                  rows.getBytes(12)));
        }
      }
    }
  }

  /**
   * Rebuilds every rotation's record from its entries and compares it with the stored one: the
   * rotations table is derived data the application role may write, and the API serves it.
   */
  private void scanRotations(Connection connection, LogVerification verification)
      throws SQLException {
    Set<String> stored = new TreeSet<>();
    try (PreparedStatement statement =
            connection.prepareStatement("SELECT rotation_id FROM " + schema + ".rotations");
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        stored.add(rows.getString(1));
      }
    }
    Set<String> withEntries = new TreeSet<>();
    try (PreparedStatement statement =
            connection.prepareStatement(
                "SELECT DISTINCT rotation_id FROM "
                    + schema
                    + ".entries WHERE rotation_id IS NOT NULL");
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        withEntries.add(rows.getString(1));
      }
    }
    Set<String> all = new TreeSet<>(stored);
    all.addAll(withEntries);
    try (PreparedStatement entriesOf =
            connection.prepareStatement(
                "SELECT leaf_index, canonical FROM "
                    + schema
                    + ".entries WHERE rotation_id = ? ORDER BY leaf_index");
        PreparedStatement recordOf =
            connection.prepareStatement(
                "SELECT record::text FROM " + schema + ".rotations WHERE rotation_id = ?")) {
      for (String rotationId : all) {
        RotationRecord rebuilt = null;
        String problem = null;
        if (withEntries.contains(rotationId)) {
          entriesOf.setString(1, rotationId);
          try (ResultSet rows = entriesOf.executeQuery()) {
            while (rows.next() && problem == null) {
              try {
                rebuilt =
                    RotationProjection.apply(
                        rebuilt, rows.getLong(1), CanonicalEvent.event(rows.getBytes(2)));
              } catch (IllegalArgumentException e) {
                problem = "entry " + rows.getLong(1) + ": " + e.getMessage();
              }
            }
          }
        }
        RotationRecord record = null;
        if (problem == null && stored.contains(rotationId)) {
          recordOf.setString(1, rotationId);
          try (ResultSet rows = recordOf.executeQuery()) {
            record = rows.next() ? RotationStore.read(rows.getString(1)) : null;
          } catch (IllegalStateException e) {
            problem = "the stored record is not readable";
          }
        }
        verification.acceptProjection(rotationId, record, rebuilt, problem);
      }
    }
  }

  private OptionalLong owner(Connection connection, byte[] chainHash) {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT leaf_index FROM " + schema + ".entries WHERE chain_hash = ? LIMIT 1")) {
      statement.setBytes(1, chainHash);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot look up a chain hash", e);
    }
  }
}
