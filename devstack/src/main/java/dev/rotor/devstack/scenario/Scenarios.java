package dev.rotor.devstack.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.RotationCompleted;
import dev.rotor.common.event.RotationRolledBack;
import dev.rotor.devstack.DevstackException;
import dev.rotor.devstack.process.Await;
import dev.rotor.devstack.process.Console;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The devstack's two scenarios, driven the way people drive Rotor: {@code rotorctl request}, the
 * {@code rotorctl watch} view on the terminal, {@code rotorctl approve} by someone of the security
 * team once the change is proposed; then checks of what each cluster, the ledger and the workload's
 * clients saw.
 *
 * <ol>
 *   <li><b>healthy</b>: the example policy's rotation, staging then production; it completes, both
 *       clusters hold the new key as primary, the ledger records it, no decrypt failure.
 *   <li><b>failing production</b>: production's pods fail half their requests once the new key is
 *       primary there (the workload's fault switch); the verifier fails the stage, Rotor rolls back
 *       both clusters on its own, and still no payload fails to decrypt.
 * </ol>
 */
public final class Scenarios {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Everything a scenario needs from the running devstack. */
  public record Context(
      String target,
      String namespace,
      String secret,
      String requester,
      String approver,
      List<ClusterView> clusters,
      String production,
      RotorctlRunner rotorctl,
      EventFollower events,
      URI ledger,
      Duration soak,
      Console console,
      java.util.function.BooleanSupplier stopping) {}

  private final Context context;

  public Scenarios(Context context) {
    this.context = context;
  }

  /** Waits until every cluster's load generator has written and read payloads. */
  public void awaitTraffic() {
    Await.until(
        "the load generators to write and read payloads",
        Duration.ofMinutes(2),
        null,
        () -> context.clusters().stream().allMatch(c -> load(c).path("readsOk").asLong() > 20));
  }

  /** The healthy rotation. */
  public Outcome healthy() {
    Outcome outcome = new Outcome("healthy rotation");
    Map<String, JsonNode> before = loads();
    Instant started = Instant.now();
    String rotationId = request("devstack demo: the runbook's quarterly rotation");
    outcome.rotationId(rotationId);
    int exit = watchAndApprove(rotationId, null);
    outcome.wallMillis(Duration.between(started, Instant.now()).toMillis());
    context.console().section("Checks: healthy rotation " + rotationId);
    outcome.check(exit == 0, "rotorctl watch exited 0 (rotation.completed)");
    Optional<EventEnvelope> completed =
        context.events().first(rotationId, EventType.ROTATION_COMPLETED);
    if (!outcome.check(completed.isPresent(), "rotation.completed is on rotor.verifications")) {
      report(outcome);
      return outcome;
    }
    RotationCompleted done = (RotationCompleted) completed.get().data();
    String keyId = done.fingerprint().substring(0, 8);
    for (ClusterView cluster : context.clusters()) {
      ClusterView.Keyring keyring = cluster.keyring(context.namespace(), context.secret());
      outcome.check(
          keyring != null
              && keyId.equals(keyring.primaryKeyId())
              && done.fingerprint().equals(keyring.primaryFingerprint()),
          cluster.name()
              + ": the Secret's primary key is "
              + (keyring == null ? "missing" : keyring.primaryKeyId())
              + " with fingerprint "
              + (keyring == null ? "-" : keyring.primaryFingerprint())
              + " (the rotation's: "
              + done.fingerprint()
              + "), keyring "
              + (keyring == null ? "-" : keyring.keyIds()));
    }
    checkLedger(outcome, rotationId, "COMPLETED", done.fingerprint());
    checkLoad(outcome, before, false);
    report(outcome);
    return outcome;
  }

  /** The rotation whose production stage degrades and is rolled back. */
  public Outcome failingProduction() {
    Outcome outcome = new Outcome("production degrades, automatic rollback");
    Map<String, JsonNode> before = loads();
    ClusterView production =
        context.clusters().stream()
            .filter(c -> c.name().equals(context.production()))
            .findFirst()
            .orElseThrow();
    ClusterView.Keyring was = production.keyring(context.namespace(), context.secret());
    Instant started = Instant.now();
    String rotationId = request("devstack demo: a rotation whose new key makes production fail");
    outcome.rotationId(rotationId);
    int exit =
        watchAndApprove(
            rotationId,
            keyId -> {
              try {
                production.fault(keyId, 0.5);
              } catch (IOException | InterruptedException e) {
                throw new DevstackException(
                    "ROTOR-8120", "cannot turn on the fault switch in " + production.name(), e);
              }
            });
    outcome.wallMillis(Duration.between(started, Instant.now()).toMillis());
    try {
      production.clearFault();
    } catch (IOException | InterruptedException e) {
      context.console().line("  (could not clear the fault rule: " + e.getMessage() + ")");
    }
    context.console().section("Checks: production degrades, rotation " + rotationId);
    outcome.check(exit == 1, "rotorctl watch exited 1 (the rotation did not complete)");
    Optional<EventEnvelope> rolledBack =
        context.events().first(rotationId, EventType.ROTATION_ROLLED_BACK);
    outcome.check(
        context.events().first(rotationId, EventType.VERIFICATION_FAILED).isPresent(),
        "the verifier failed " + context.production() + " (verification.failed)");
    if (!outcome.check(rolledBack.isPresent(), "rotation.rolled-back is on rotor.verifications")) {
      report(outcome);
      return outcome;
    }
    RotationRolledBack back = (RotationRolledBack) rolledBack.get().data();
    String newKeyId =
        context
            .events()
            .first(rotationId, EventType.KEY_GENERATED)
            .map(e -> ((KeyGenerated) e.data()).keyId())
            .orElse("?");
    for (ClusterView cluster : context.clusters()) {
      ClusterView.Keyring keyring = cluster.keyring(context.namespace(), context.secret());
      outcome.check(
          keyring != null
              && was != null
              && was.primaryKeyId().equals(keyring.primaryKeyId())
              && keyring.keyIds().contains(newKeyId),
          cluster.name()
              + ": the previous key "
              + (was == null ? "?" : was.primaryKeyId())
              + " is primary again, the new key "
              + newKeyId
              + " stays decrypt-only (keyring "
              + (keyring == null ? "-" : keyring.keyIds())
              + ", primary "
              + (keyring == null ? "-" : keyring.primaryKeyId())
              + ")");
    }
    outcome.check(
        back.clusters().contains(context.production()),
        "rolled back on " + back.clusters() + ": " + back.cause());
    checkLedger(outcome, rotationId, "ROLLED_BACK", null);
    checkLoad(outcome, before, true);
    report(outcome);
    return outcome;
  }

  // ----------------------------------------------------------------------------- the steps

  private String request(String reason) {
    RotorctlRunner.Result result =
        context
            .rotorctl()
            .run(
                Duration.ofMinutes(2),
                "request",
                context.target(),
                "--operator",
                context.requester(),
                "--reason",
                reason,
                "--output",
                "json");
    if (result.exitCode() != 0) {
      throw new DevstackException(
          "ROTOR-8121",
          "rotorctl request failed (exit " + result.exitCode() + "): " + result.err().strip());
    }
    try {
      JsonNode requested = JSON.readTree(result.out());
      String rotationId = requested.path("rotationId").asText();
      context
          .console()
          .line(
              "$ rotorctl request "
                  + context.target()
                  + " --operator "
                  + context.requester()
                  + "   -> rotation "
                  + rotationId);
      if (requested.hasNonNull("traceId")) {
        context
            .console()
            .line("  trace " + requested.path("traceId").asText() + " (every service's spans)");
      }
      context
          .console()
          .line(
              "$ rotorctl watch "
                  + rotationId
                  + "   (the devstack approves as "
                  + context.approver()
                  + " of the security team once the change is proposed)");
      context.console().line("");
      return rotationId;
    } catch (IOException e) {
      throw new DevstackException("ROTOR-8121", "rotorctl request printed no rotation id", e);
    }
  }

  /** Interface for the step that runs once the new key is known. */
  @FunctionalInterface
  interface KeyStep {
    void accept(String keyId);
  }

  /**
   * Shows {@code rotorctl watch} on the terminal while approving once the change is proposed (and,
   * for the failing scenario, turning the fault on once the key is known); returns its exit code.
   */
  private int watchAndApprove(String rotationId, KeyStep onKey) {
    Process watch = context.rotorctl().startOnTerminal("watch", rotationId);
    Duration limit = context.soak().multipliedBy(4).plus(Duration.ofMinutes(6));
    long deadline = System.nanoTime() + limit.toNanos();
    boolean keyDone = onKey == null;
    boolean approved = false;
    try {
      while (watch.isAlive()) {
        if (!keyDone) {
          Optional<EventEnvelope> key = context.events().first(rotationId, EventType.KEY_GENERATED);
          if (key.isPresent()) {
            onKey.accept(((KeyGenerated) key.get().data()).keyId());
            keyDone = true;
          }
        }
        if (!approved
            && context.events().first(rotationId, EventType.MANIFEST_PROPOSED).isPresent()) {
          RotorctlRunner.Result approve =
              context
                  .rotorctl()
                  .run(
                      Duration.ofMinutes(1),
                      "approve",
                      rotationId,
                      "--operator",
                      context.approver(),
                      "--comment",
                      "reviewed the change in Git: only the keyring entries change");
          approved = approve.exitCode() == 0;
          if (!approved) {
            throw new DevstackException(
                "ROTOR-8122", "rotorctl approve failed: " + approve.err().strip());
          }
        }
        if (System.nanoTime() - deadline > 0) {
          watch.destroy();
          throw new DevstackException(
              "ROTOR-8123",
              "rotation "
                  + rotationId
                  + " did not end within "
                  + limit.toMinutes()
                  + " minutes; the services' logs in .devstack/logs/ say where it stands");
        }
        watch.waitFor(500, TimeUnit.MILLISECONDS);
      }
      if (context.stopping().getAsBoolean()) {
        throw new DevstackException("ROTOR-8009", "stopped while rotation " + rotationId + " ran");
      }
      return watch.exitValue();
    } catch (InterruptedException e) {
      watch.destroy();
      Thread.currentThread().interrupt();
      throw new DevstackException("ROTOR-8009", "interrupted");
    }
  }

  private void checkLedger(Outcome outcome, String rotationId, String status, String fingerprint) {
    URI uri = context.ledger().resolve("/ledger/rotations/" + rotationId);
    JsonNode[] record = new JsonNode[1];
    try {
      Await.until(
          "the ledger's record of " + rotationId + " to say " + status,
          Duration.ofSeconds(60),
          null,
          () -> {
            record[0] = getJson(uri);
            return record[0] != null && status.equals(record[0].path("status").asText());
          });
    } catch (DevstackException e) {
      // Checked below with what the ledger says.
    }
    JsonNode r = record[0];
    boolean ok =
        r != null
            && status.equals(r.path("status").asText())
            && (fingerprint == null || fingerprint.equals(r.path("fingerprint").asText()));
    outcome.check(
        ok,
        "ledger: rotation "
            + rotationId
            + " recorded as "
            + (r == null ? "(no record)" : r.path("status").asText())
            + (fingerprint == null
                ? ""
                : " with fingerprint " + (r == null ? "-" : r.path("fingerprint").asText(""))));
  }

  private void checkLoad(Outcome outcome, Map<String, JsonNode> before, boolean expectErrors) {
    Map<String, JsonNode> after = loads();
    for (ClusterView cluster : context.clusters()) {
      JsonNode b = before.get(cluster.name());
      JsonNode a = after.get(cluster.name());
      long writes = a.path("writes").asLong() - b.path("writes").asLong();
      long reads = a.path("reads").asLong() - b.path("reads").asLong();
      long decrypt = a.path("decryptFailures").asLong() - b.path("decryptFailures").asLong();
      long http = a.path("httpErrors").asLong() - b.path("httpErrors").asLong();
      long transport = a.path("transportErrors").asLong() - b.path("transportErrors").asLong();
      outcome.check(
          decrypt == 0 && writes > 0 && reads > 0,
          cluster.name()
              + ": the load generator made "
              + writes
              + " writes and "
              + reads
              + " reads during the rotation: "
              + decrypt
              + " decrypt failures, "
              + http
              + " HTTP errors"
              + (expectErrors && cluster.name().equals(context.production()) && http > 0
                  ? " (the injected fault)"
                  : "")
              + ", "
              + transport
              + " transport errors");
    }
  }

  private Map<String, JsonNode> loads() {
    Map<String, JsonNode> loads = new LinkedHashMap<>();
    for (ClusterView cluster : context.clusters()) {
      loads.put(cluster.name(), load(cluster));
    }
    return loads;
  }

  private static JsonNode load(ClusterView cluster) {
    try {
      return cluster.load();
    } catch (IOException e) {
      throw new DevstackException(
          "ROTOR-8124", "cannot read the load of " + cluster.name() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevstackException("ROTOR-8009", "interrupted");
    }
  }

  private void report(Outcome outcome) {
    for (Outcome.Check check : outcome.checks()) {
      context.console().line("  " + (check.ok() ? "[ok]     " : "[FAILED] ") + check.what());
    }
  }

  private static JsonNode getJson(URI uri) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
