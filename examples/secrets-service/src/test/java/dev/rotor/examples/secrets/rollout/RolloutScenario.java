package dev.rotor.examples.secrets.rollout;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.examples.load.LoadGenerator;
import dev.rotor.examples.load.LoadReport;
import dev.rotor.examples.load.WrittenPayload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * What every rollout test has: an old and a new key, a fresh database, a fleet of instances and a
 * load generator. Everything it starts is stopped after each test, also when the test fails.
 */
abstract class RolloutScenario {
  static final int PODS = 3;
  static final long WRITES_PER_STEP = 25;

  GeneratedKey oldKey;
  GeneratedKey newKey;
  Database database;
  Fleet fleet;
  LoadGenerator load;
  private String scenario;

  @BeforeEach
  void setUp(TestInfo test) {
    scenario = getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName();
    oldKey = GeneratedKey.generate();
    newKey = GeneratedKey.generate();
    database = Database.create();
    Path directory =
        Path.of(System.getProperty("rotor.test.tmpdir", "target"))
            .resolve("rollout-it")
            .resolve(scenario + "-" + UUID.randomUUID().toString().substring(0, 8));
    fleet = new Fleet(directory, database, Map.of());
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    try {
      if (load != null) {
        load.stop();
      }
    } finally {
      fleet.close();
      database.close();
      oldKey.close();
      newKey.close();
    }
  }

  /** Load on every running instance until stopped (bounded at 5 minutes, in case). */
  LoadGenerator startLoad() {
    load =
        LoadGenerator.builder()
            .targets(fleet.baseUrls())
            .workers(2)
            .pause(Duration.ofMillis(5))
            .duration(Duration.ofMinutes(5))
            .build()
            .start();
    return load;
  }

  long writtenWith(GeneratedKey key) {
    return load.written().stream().filter(p -> key.keyId().equals(p.keyId())).count();
  }

  List<WrittenPayload> written() {
    return load.written();
  }

  /** Prints one line per measured phase, for the build log. */
  void print(String phase, LoadReport report) {
    System.out.printf("[%s] %s: %s%n", scenario, phase, report.summary());
  }
}
