package dev.rotor.ledger.bench;

import static io.restassured.RestAssured.given;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.ledger.canonical.CanonicalEvent;
import dev.rotor.ledger.ingest.Ingestor;
import dev.rotor.ledger.ingest.PreparedEvent;
import dev.rotor.ledger.merkle.ProofBuilder;
import dev.rotor.ledger.merkle.TreeHashes;
import dev.rotor.ledger.store.EntryStore;
import dev.rotor.ledger.store.LogVerifier;
import dev.rotor.ledger.support.LedgerDatabaseResource;
import dev.rotor.ledger.support.LedgerTestProfile;
import dev.rotor.ledger.support.RotationEvents;
import dev.rotor.ledger.support.SigningKeyResource;
import dev.rotor.ledger.verify.VerificationReport;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresServer;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Prints the ledger's figures against the real PostgreSQL; asserts nothing about speed. Run with
 * {@code ./mvnw -B -pl ledger-service -Pbenchmark verify} ({@code -Dledger.benchmark.entries=N} for
 * another log size; default 1,000,000).
 *
 * <ul>
 *   <li>ingest: the same rotation events appended by the ledger (chain, tree, projection,
 *       checkpoint signing, one transaction per 500-event batch) and written by a plain JDBC batch
 *       INSERT of the same rows into a table of the same shape, one transaction per 500 rows;
 *   <li>the whole log filled to its size through the ledger;
 *   <li>full verification of it;
 *   <li>inclusion proof latency, in the service and over HTTP.
 * </ul>
 */
@QuarkusTest
@TestProfile(LedgerBenchmark.Profile.class)
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = LedgerTestProfile.TOPICS))
@WithTestResource(LedgerDatabaseResource.class)
@WithTestResource(SigningKeyResource.class)
class LedgerBenchmark {
  private static final int BATCH = 500;
  private static final int COMPARED = 20_000;
  private static final int ROUNDS = 5;
  private static final int PROOFS = 1_000;

  /** Production defaults: a checkpoint every 1000 entries and at each rotation's end. */
  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.log.category.\"dev.rotor.ledger\".level", "WARN");
    }
  }

  @Inject Ingestor ingestor;
  @Inject EntryStore entries;
  @Inject LogVerifier verifier;
  @Inject AgroalDataSource dataSource;

  @ConfigProperty(name = LedgerDatabaseResource.DATABASE)
  String database;

  private final StringBuilder report = new StringBuilder();

  @Test
  void printsIngestVerificationAndProofFigures() throws Exception {
    long size = Long.getLong("ledger.benchmark.entries", 1_000_000);
    line(
        "Rotor ledger benchmark: %,d entries, batches of %d, PostgreSQL %s, %d cores",
        size, BATCH, "17 (embedded)", Runtime.getRuntime().availableProcessors());

    createPlainTable();
    // Warm-up of both paths (JIT, connections, caches), not measured; these entries stay in the
    // log.
    List<PreparedEvent> warmUp = prepare(5_000);
    plainInsert(warmUp);
    append(warmUp);

    // The same events both ways, round by round, so that load elsewhere on the machine hits both.
    int perRound = (int) Math.min(COMPARED / ROUNDS, Math.max(1, (size - warmUp.size()) / ROUNDS));
    double[] plainRates = new double[ROUNDS];
    double[] ledgerRates = new double[ROUNDS];
    double[] ratios = new double[ROUNDS];
    long bytes = 0;
    line("");
    line("Ingest, %d rounds of the same %,d rotation events both ways:", ROUNDS, perRound);
    for (int round = 0; round < ROUNDS; round++) {
      List<PreparedEvent> events = prepare(perRound);
      bytes += events.stream().mapToLong(e -> e.canonical().length).sum();
      plainRates[round] = rate(perRound, plainInsert(events));
      ledgerRates[round] = rate(perRound, append(events));
      ratios[round] = ledgerRates[round] / plainRates[round];
      line(
          "  round %d: plain INSERT %,8.0f events/s, ledger %,8.0f events/s, ratio %.2f",
          round + 1, plainRates[round], ledgerRates[round], ratios[round]);
    }
    long prepareStart = System.nanoTime();
    prepare(perRound);
    long prepareNanos = System.nanoTime() - prepareStart;
    line(
        "Median over the rounds (avg %,d bytes canonical per event):", bytes / (perRound * ROUNDS));
    line(
        "  plain INSERT (JDBC batch, 1 tx / %d rows)         %,10.0f events/s",
        BATCH, median(plainRates));
    line(
        "  ledger append (chain, tree, projection, signing)  %,10.0f events/s",
        median(ledgerRates));
    line("  ratio ledger / plain                              %10.2f", median(ratios));
    line(
        "  canonical form + leaf hash, per event             %10.1f us",
        prepareNanos / 1000.0 / perRound);
    long compared = (long) perRound * ROUNDS;

    long fillStart = System.nanoTime();
    long filled = QuarkusTransaction.requiringNew().call(entries::size);
    while (filled < size) {
      int n = (int) Math.min(10_000, size - filled);
      List<PreparedEvent> chunk = prepare(n);
      append(chunk);
      filled += n;
    }
    long fillNanos = System.nanoTime() - fillStart;
    long logSize = QuarkusTransaction.requiringNew().call(entries::size);
    line("");
    line(
        "Filled the log to %,d entries through the ledger (canonical form included): %,.0f events/s",
        logSize, rate(logSize - compared - warmUp.size(), fillNanos));

    long verifyStart = System.nanoTime();
    VerificationReport verification = verifier.verify();
    long verifyNanos = System.nanoTime() - verifyStart;
    line("");
    line(
        "Full verification of %,d entries: %.1f s (%,.0f entries/s), ok=%s, %d checkpoints reproduced",
        verification.treeSize(),
        verifyNanos / 1e9,
        rate(verification.treeSize(), verifyNanos),
        verification.ok(),
        verification.checkpointsVerified());

    SplittableRandom random = new SplittableRandom(42);
    long[] direct = new long[PROOFS];
    long[] http = new long[PROOFS];
    ProofBuilder proofs = new ProofBuilder(entries);
    for (int i = 0; i < PROOFS; i++) {
      long index = random.nextLong(logSize);
      long start = System.nanoTime();
      QuarkusTransaction.requiringNew().call(() -> proofs.inclusionProof(index, logSize));
      direct[i] = System.nanoTime() - start;
      start = System.nanoTime();
      given()
          .get("/ledger/proofs/inclusion?leafIndex=" + index + "&treeSize=" + logSize)
          .then()
          .statusCode(200);
      http[i] = System.nanoTime() - start;
    }
    line("");
    line(
        "Inclusion proof latency over %,d random entries of %,d (path of %d hashes):",
        PROOFS, logSize, proofs.inclusionProof(0, logSize).size());
    line(
        "  in the service (one query)   p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms",
        percentile(direct, 50), percentile(direct, 95), percentile(direct, 99));
    line(
        "  GET /ledger/proofs/inclusion p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms",
        percentile(http, 50), percentile(http, 95), percentile(http, 99));

    Path out = Paths.get(System.getProperty("rotor.test.tmpdir", "target"), "ledger-benchmark.txt");
    Files.writeString(out, report.toString());
    System.out.println(report);
    System.out.println("(also written to " + out + ")");
  }

  private long append(List<PreparedEvent> events) {
    long start = System.nanoTime();
    for (int from = 0; from < events.size(); from += BATCH) {
      ingestor.append(events.subList(from, Math.min(events.size(), from + BATCH)));
    }
    return System.nanoTime() - start;
  }

  /** The same rows the ledger stores, into a table of the same shape, without the ledger. */
  private long plainInsert(List<PreparedEvent> events) throws SQLException {
    byte[] zeros = new byte[TreeHashes.SIZE];
    long start = System.nanoTime();
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO bench.plain_entries (leaf_index, event_id, event_type, source, subject,"
                  + " rotation_id, event_time, canonical, leaf_hash, prev_hash, chain_hash,"
                  + " subtree_hashes, kafka_topic, kafka_partition, kafka_offset, ingested_at)"
                  + " VALUES (nextval('bench.plain_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                  + " now())")) {
        int inBatch = 0;
        for (PreparedEvent e : events) {
          EventEnvelope event = e.event();
          insert.setString(1, event.id());
          insert.setString(2, event.type().cloudEventType());
          insert.setString(3, event.source());
          insert.setString(4, event.subject());
          insert.setString(5, event.rotationId());
          insert.setTimestamp(6, Timestamp.from(event.time()));
          insert.setBytes(7, e.canonical());
          insert.setBytes(8, zeros);
          insert.setBytes(9, zeros);
          insert.setBytes(10, zeros);
          insert.setBytes(11, new byte[0]);
          insert.setString(12, e.topic());
          insert.setInt(13, e.partition());
          insert.setLong(14, e.offset());
          insert.addBatch();
          if (++inBatch == BATCH) {
            insert.executeBatch();
            connection.commit();
            inBatch = 0;
          }
        }
        insert.executeBatch();
        connection.commit();
      }
    }
    return System.nanoTime() - start;
  }

  private void createPlainTable() throws SQLException {
    String app = LedgerDatabaseResource.app(database);
    try (Connection connection = PostgresServer.superuserConnection(database);
        Statement sql = connection.createStatement()) {
      sql.execute("CREATE SCHEMA bench");
      sql.execute("CREATE TABLE bench.plain_entries (LIKE ledger.entries INCLUDING ALL)");
      sql.execute("CREATE SEQUENCE bench.plain_seq");
      sql.execute("GRANT USAGE ON SCHEMA bench TO " + app);
      sql.execute("GRANT INSERT ON bench.plain_entries TO " + app);
      sql.execute("GRANT USAGE ON bench.plain_seq TO " + app);
    }
  }

  private static List<PreparedEvent> prepare(int count) {
    List<PreparedEvent> prepared = new ArrayList<>(count);
    while (prepared.size() < count) {
      for (RotationEvents.Sent sent : RotationEvents.completed("bench").events()) {
        if (prepared.size() == count) {
          break;
        }
        byte[] canonical = CanonicalEvent.bytes(sent.event());
        prepared.add(
            new PreparedEvent(
                sent.event(),
                canonical,
                TreeHashes.leaf(canonical),
                sent.topic(),
                0,
                prepared.size()));
      }
    }
    return prepared;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double rate(long events, long nanos) {
    return events / (nanos / 1e9);
  }

  private static double percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }

  private void line(String format, Object... args) {
    report.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
