package dev.rotor.clusteragent.scenario;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.clusteragent.work.Coordinator;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Sources;
import dev.rotor.common.event.Topics;
import dev.rotor.common.event.VerificationPassed;
import dev.rotor.common.messaging.KafkaEvents;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.kubernetes.InjectKubernetesApi;
import dev.rotor.testsupport.kubernetes.KubernetesApiServer;
import dev.rotor.testsupport.kubernetes.SealedSecretsController;
import dev.rotor.testsupport.kubernetes.SealingKeyPair;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;

/**
 * What every scenario of the agent needs: a cluster seeded with a target's Deployments and its
 * Secret, rotations committed to Git as the manifest-service commits them, events sent as the
 * manifest-service and the verifier send them, and the agent's events read back from Kafka.
 *
 * <p>Subclasses carry the same test resources, so they share one running agent: {@code
 * KafkaResource} (a real KRaft broker), {@code KubernetesApiTestResource} (the mock API server with
 * the rollout simulator and the sealed-secrets controller) and {@link AgentTestEnvironment} (a real
 * Git server and the policy).
 */
public abstract class AgentScenario {
  /** Generous: the machine may be busy; waits end as soon as their condition holds. */
  protected static final Duration TIMEOUT = Duration.ofSeconds(45);

  /** The topics the agent reads and writes, created before it starts. */
  public static final String TOPICS =
      "rotor.manifests,rotor.verifications,rotor.rollouts,rotor.dlq";

  protected static final String AGENT_SOURCE = Sources.of("cluster-agent", Targets.CLUSTER);

  @InjectKubernetesApi protected KubernetesApiServer api;
  @InjectAgentEnvironment protected AgentEnvironment env;
  @Inject protected Coordinator coordinator;
  @Inject protected TestClock clock;
  @Inject protected io.micrometer.core.instrument.MeterRegistry registry;

  @ConfigProperty(name = "quarkus.log.file.path")
  protected String logFile;

  protected final KafkaTestClient kafka = new KafkaTestClient();

  @AfterEach
  void closeKafkaAndResetClock() {
    kafka.close();
    clock.reset();
  }

  // ---------------------------------------------------------------- the cluster before a rotation

  /**
   * Puts {@code target} in the cluster as a runbook leaves it: its Deployments (two pods each,
   * unless another target's seed made them), and its Secret with one key, created by {@code kubectl
   * apply}; the same manifest in Git.
   */
  protected TestKey seed(Targets.Target target) {
    for (String deployment : target.deployments()) {
      boolean exists =
          api.client()
                  .apps()
                  .deployments()
                  .inNamespace(target.namespace())
                  .withName(deployment)
                  .get()
              != null;
      if (!deployment.equals("ghost") && !exists) {
        api.rollouts().createDeployment(target.namespace(), deployment, 2);
      }
    }
    TestKey old = TestKey.generate();
    Map<String, TestKey> keys = new LinkedHashMap<>();
    keys.put(old.keyId(), old);
    if (target.format() == ManifestFormat.SECRET) {
      api.clientAs("kubectl-client-side-apply")
          .secrets()
          .inNamespace(target.namespace())
          .resource(Serialization.unmarshal(plainManifest(target, old.keyId(), keys), Secret.class))
          .create();
    } else {
      sealedSecrets();
      api.clientAs("kubectl-client-side-apply")
          .genericKubernetesResources(SealedSecretsController.SEALED_SECRETS)
          .inNamespace(target.namespace())
          .resource(
              Serialization.unmarshal(
                  sealedManifest(target, old.keyId(), keys), GenericKubernetesResource.class))
          .create();
      org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> secret(target) != null);
    }
    commitTo(
        target, Map.of(target.path(), manifest(target, old.keyId(), keys)), "Add " + target.id());
    return old;
  }

  /**
   * Commits a rotation of {@code target} from {@code old} to a new key, as the manifest-service
   * does once the change is approved and merged: distribute (the new key decrypt-only), then
   * promote (the new key primary), each with the {@code Rotor-*} trailers.
   */
  protected Rotation rotate(Targets.Target target, TestKey old) {
    String rotationId = "rot-" + UUID.randomUUID();
    TestKey fresh = TestKey.generate();
    Map<String, TestKey> keys = new LinkedHashMap<>();
    keys.put(fresh.keyId(), fresh);
    keys.put(old.keyId(), old);
    String distribute =
        commit(target, rotationId, "distribute", fresh, manifest(target, old.keyId(), keys));
    String promote =
        commit(target, rotationId, "promote", fresh, manifest(target, fresh.keyId(), keys));
    return new Rotation(rotationId, target, old, fresh, distribute, promote);
  }

  /** Commits the rollback state of {@code rotation}: the old key primary, the new one kept. */
  protected String commitRollback(Rotation rotation) {
    Map<String, TestKey> keys = new LinkedHashMap<>();
    keys.put(rotation.newKey().keyId(), rotation.newKey());
    keys.put(rotation.oldKey().keyId(), rotation.oldKey());
    return commit(
        rotation.target(),
        rotation.id(),
        "rollback",
        rotation.newKey(),
        manifest(rotation.target(), rotation.oldKey().keyId(), keys));
  }

  private String commit(
      Targets.Target target, String rotationId, String phase, TestKey key, String manifest) {
    return commitTo(
        target,
        Map.of(target.path(), manifest),
        "Rotate "
            + target.id()
            + ": "
            + phase
            + " "
            + key.keyId()
            + "\n\nRotor-Rotation-Id: "
            + rotationId
            + "\nRotor-Phase: "
            + phase
            + "\nRotor-Key-Fingerprint: "
            + key.fingerprint()
            + "\n");
  }

  /** Commits on {@code main} of the target's repository (over SSH for {@link Targets#OVER_SSH}). */
  private String commitTo(Targets.Target target, Map<String, String> files, String message) {
    return target == Targets.OVER_SSH
        ? env.ssh().commit(AgentEnvironment.REPOSITORY, "main", files, message)
        : env.git().commit(AgentEnvironment.REPOSITORY, "main", files, message);
  }

  /** The manifest of {@code target}'s keyring in its format. */
  protected String manifest(Targets.Target target, String primary, Map<String, TestKey> keys) {
    return target.format() == ManifestFormat.SECRET
        ? plainManifest(target, primary, keys)
        : sealedManifest(target, primary, keys);
  }

  private static String plainManifest(
      Targets.Target target, String primary, Map<String, TestKey> keys) {
    StringBuilder yaml =
        new StringBuilder(
            """
            # The Secret the secrets service reads its keyring from.
            apiVersion: v1
            kind: Secret
            metadata:
              name: %s
              namespace: %s
            type: Opaque
            data:
              keyring.primary: %s
            """
                .formatted(
                    target.secret(),
                    target.namespace(),
                    Base64.getEncoder().encodeToString(primary.getBytes(US_ASCII))));
    keys.forEach(
        (id, key) ->
            yaml.append("  keyring.key.")
                .append(id)
                .append(": ")
                .append(key.base64())
                .append('\n'));
    return yaml.toString();
  }

  private static String sealedManifest(
      Targets.Target target, String primary, Map<String, TestKey> keys) {
    SealingKeyPair seal = SealingKeyPair.shared();
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: bitnami.com/v1alpha1
            kind: SealedSecret
            metadata:
              name: %s
              namespace: %s
            spec:
              template:
                metadata:
                  name: %s
                  namespace: %s
                type: Opaque
              encryptedData:
                keyring.primary: %s
            """
                .formatted(
                    target.secret(),
                    target.namespace(),
                    target.secret(),
                    target.namespace(),
                    seal.seal(target.namespace(), target.secret(), primary.getBytes(US_ASCII))));
    keys.forEach(
        (id, key) ->
            yaml.append("    keyring.key.")
                .append(id)
                .append(": ")
                .append(seal.seal(target.namespace(), target.secret(), key.raw()))
                .append('\n'));
    return yaml.toString();
  }

  protected SealedSecretsController sealedSecrets() {
    return api.sealedSecrets(SealingKeyPair.shared());
  }

  // ---------------------------------------------------------------- events in

  /** The plan the policy gives {@code target}: what key-generator put in every event. */
  protected Plan plan(Targets.Target target) {
    return PolicyLoader.load(env.policyFile()).target(target.id()).orElseThrow().plan();
  }

  protected EventEnvelope approved(Rotation rotation) {
    return approved(rotation, plan(rotation.target()));
  }

  protected EventEnvelope approved(Rotation rotation, Plan plan) {
    return envelope(
        new ManifestApproved(
            rotation.id(),
            rotation.target().id(),
            plan,
            rotation.newKey().fingerprint(),
            rotation.promoteCommit(),
            rotation.distributeCommit(),
            rotation.promoteCommit(),
            List.of("bob"),
            false),
        "manifest-service");
  }

  protected EventEnvelope passed(Rotation rotation, String cluster) {
    return envelope(
        new VerificationPassed(
            rotation.id(), rotation.target().id(), plan(rotation.target()), cluster, List.of()),
        "verifier");
  }

  protected EventEnvelope rolledBack(Rotation rotation, String commit, List<String> clusters) {
    return envelope(
        new ManifestRolledBack(
            rotation.id(),
            rotation.target().id(),
            plan(rotation.target()),
            commit,
            clusters,
            "verification failed on " + Targets.PRODUCTION),
        "manifest-service");
  }

  protected static EventEnvelope envelope(RotorEvent data, String service) {
    return envelope(data, service, Instant.now());
  }

  /** An event of {@code service} that happened at {@code time}. */
  protected static EventEnvelope envelope(RotorEvent data, String service, Instant time) {
    return new EventEnvelope(
        UUID.randomUUID().toString(),
        data.type(),
        Sources.of(service),
        data.subject(),
        data.rotationId(),
        time.truncatedTo(ChronoUnit.MILLIS),
        data);
  }

  /** Sends {@code event} to its topic as its producer would. */
  protected void send(EventEnvelope event) {
    kafka.produce(
        event.type().topics().get(0),
        event.subject(),
        CloudEventBinding.headers(event),
        EventCodec.encode(event.data()));
  }

  // ---------------------------------------------------------------- events out, cluster state

  /** The agent's events of {@code rotationId} on {@code rotor.rollouts}, in order. */
  protected List<EventEnvelope> events(String rotationId) {
    return kafka.readAll(Topics.ROLLOUTS).stream()
        .map(AgentScenario::decode)
        .filter(e -> rotationId.equals(e.rotationId()) && AGENT_SOURCE.equals(e.source()))
        .toList();
  }

  /** Waits until the agent sent an event of {@code rotationId} that {@code matches}. */
  protected EventEnvelope awaitEvent(String rotationId, Predicate<EventEnvelope> matches) {
    List<ConsumerRecord<byte[], byte[]>> records =
        kafka.readUntil(
            Topics.ROLLOUTS,
            read ->
                read.stream()
                    .map(AgentScenario::decode)
                    .anyMatch(
                        e ->
                            rotationId.equals(e.rotationId())
                                && AGENT_SOURCE.equals(e.source())
                                && matches.test(e)),
            TIMEOUT);
    return records.stream()
        .map(AgentScenario::decode)
        .filter(e -> rotationId.equals(e.rotationId()) && matches.test(e))
        .findFirst()
        .orElseThrow();
  }

  protected EventEnvelope awaitEvent(String rotationId, EventType type) {
    return awaitEvent(rotationId, e -> e.type() == type);
  }

  protected EventEnvelope awaitEvent(String rotationId, EventType type, Phase phase) {
    return awaitEvent(rotationId, e -> e.type() == type && phase.equals(phaseOf(e.data())));
  }

  protected static Phase phaseOf(RotorEvent data) {
    if (data instanceof dev.rotor.common.event.RolloutStarted started) {
      return started.phase();
    }
    if (data instanceof dev.rotor.common.event.RolloutCompleted completed) {
      return completed.phase();
    }
    if (data instanceof dev.rotor.common.event.RolloutFailed failed) {
      return failed.phase();
    }
    if (data instanceof dev.rotor.common.event.RolloutWaiting waiting) {
      return waiting.phase();
    }
    if (data instanceof dev.rotor.common.event.RollbackCompleted
        || data instanceof dev.rotor.common.event.RollbackFailed) {
      return Phase.ROLLBACK;
    }
    return null;
  }

  private static EventEnvelope decode(ConsumerRecord<byte[], byte[]> record) {
    return KafkaEvents.fromRecord(record);
  }

  protected Secret secret(Targets.Target target) {
    return api.client().secrets().inNamespace(target.namespace()).withName(target.secret()).get();
  }

  /** The primary key id the Secret holds now. */
  protected String primaryOf(Targets.Target target) {
    return new String(
        Base64.getDecoder().decode(secret(target).getData().get("keyring.primary")), US_ASCII);
  }

  protected int restarts(Targets.Target target, String deployment) {
    return api.rollouts().rolloutCount(target.namespace(), deployment);
  }

  /** How many events the agent skipped for {@code reason} so far. */
  protected double skipped(String reason) {
    var counter =
        registry.find("rotor.cluster-agent.events.skipped").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  // ---------------------------------------------------------------- least privilege

  /**
   * Asserts that every request the agent sent to the API server (its user agent tells them apart)
   * was allowed by the Roles {@link dev.rotor.clusteragent.deploy.AgentRbac} derives from the
   * policy, the same rules {@code deploy/k8s/cluster-agent} holds for the example policy. The one
   * exception: creating the state ConfigMap, which the deployment ships and tests do not.
   */
  protected void assertEveryRequestWasWithinTheAgentsRole() {
    var roles =
        dev.rotor.clusteragent.deploy.AgentRbac.targetRules(
            PolicyLoader.load(env.policyFile()), Targets.CLUSTER);
    List<String> violations = new java.util.ArrayList<>();
    int checked = 0;
    for (dev.rotor.testsupport.kubernetes.ApiRequest request : api.dispatcher().requests()) {
      if (request.userAgent() == null || !request.userAgent().startsWith("rotor-cluster-agent/")) {
        continue;
      }
      var access = dev.rotor.clusteragent.deploy.AgentRbac.of(request);
      if (access.isEmpty()) {
        continue;
      }
      var needed = access.get();
      boolean state = needed.namespace().equals("rotor");
      if (state && needed.verb().equals("create") && needed.resource().equals("configmaps")) {
        continue;
      }
      checked++;
      var rules =
          state
              ? dev.rotor.clusteragent.deploy.AgentRbac.stateRules()
              : roles.getOrDefault(needed.namespace(), List.of());
      if (!dev.rotor.clusteragent.deploy.AgentRbac.allows(rules, needed)) {
        violations.add(request.method() + " " + request.path() + "?" + request.query());
      }
    }
    assertThat(checked).as("requests of the agent").isPositive();
    assertThat(violations).as("requests its Role does not allow").isEmpty();
  }

  // ---------------------------------------------------------------- leak checks

  /**
   * Asserts that no key the tests made, not the agent's Git password and no line of its SSH private
   * key, appears in any record of the agent's topics or in the log.
   */
  protected void assertNothingLeaked() throws Exception {
    List<String> secrets = new java.util.ArrayList<>();
    for (TestKey key : TestKey.made()) {
      secrets.add(key.base64());
      secrets.add(key.hex());
    }
    secrets.add(env.gitPassword());
    secrets.addAll(
        dev.rotor.testsupport.git.SshGitServer.privateKeyLines(env.sshKeyFile()).stream()
            .filter(line -> line.length() >= 20)
            .toList());
    for (String topic : List.of(Topics.ROLLOUTS, Topics.DLQ)) {
      for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(topic)) {
        StringBuilder text =
            new StringBuilder(
                new String(record.value() == null ? new byte[0] : record.value(), UTF_8));
        record
            .headers()
            .forEach(
                h ->
                    text.append('\n')
                        .append(h.key())
                        .append('=')
                        .append(new String(h.value() == null ? new byte[0] : h.value(), UTF_8)));
        for (String secret : secrets) {
          assertThat(text.toString()).as("a record of %s", topic).doesNotContain(secret);
        }
      }
    }
    Path log = Paths.get(logFile);
    assertThat(log).exists();
    String logged = Files.readString(log, UTF_8);
    assertThat(logged).contains("ROTOR-3001");
    for (String secret : secrets) {
      assertThat(logged).as("the log").doesNotContain(secret);
    }
  }
}
