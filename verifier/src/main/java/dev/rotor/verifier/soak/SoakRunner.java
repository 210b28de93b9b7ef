package dev.rotor.verifier.soak;

import dev.rotor.common.messaging.Spans;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.Stage;
import dev.rotor.common.plan.Thresholds;
import dev.rotor.verifier.VerifierMetrics;
import dev.rotor.verifier.cluster.ClusterClients;
import dev.rotor.verifier.cluster.ClusterProbe;
import dev.rotor.verifier.cluster.PodLogs;
import dev.rotor.verifier.cluster.ProofResult;
import dev.rotor.verifier.cluster.ProofSpec;
import dev.rotor.verifier.config.VerifierConfig;
import dev.rotor.verifier.metrics.Baseline;
import dev.rotor.verifier.metrics.MetricKind;
import dev.rotor.verifier.metrics.MetricValue;
import dev.rotor.verifier.metrics.MetricsReading;
import dev.rotor.verifier.metrics.MetricsSource;
import dev.rotor.verifier.metrics.MetricsSources;
import dev.rotor.verifier.metrics.StageTarget;
import dev.rotor.verifier.store.SoakKind;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jboss.logging.Logger;

/**
 * Runs the rounds of checks that are due. A round reads the cluster (Secret, pods, logs) and every
 * metric check scheduled up to now: a source with history evaluates each at its scheduled time, so
 * checks a stopped verifier missed are made up, never skipped; the last one is at the soak's end,
 * so a soak is never shortened. The round and the verdict it may bring are recorded in one
 * transaction ({@link SoakService#recordRound}); a round that throws is logged and run again on the
 * next tick.
 */
@ApplicationScoped
public class SoakRunner {
  private static final Logger LOG = Logger.getLogger(SoakRunner.class);
  private static final AttributeKey<String> SOAK_KIND = AttributeKey.stringKey("rotor.soak.kind");
  private static final AttributeKey<Long> ROUND = AttributeKey.longKey("rotor.soak.round");

  @Inject SoakService soaks;
  @Inject ClusterClients clusters;
  @Inject MetricsSources sources;
  @Inject VerifierConfig config;
  @Inject VerifierMetrics metrics;
  @Inject Clock clock;
  @Inject Tracer tracer;

  /** At most this many passes over the due soaks per call: a bound, not a schedule. */
  static final int MAX_PASSES = 10;

  private final ReentrantLock running = new ReentrantLock();
  private final AtomicBoolean requested = new AtomicBoolean();

  /**
   * Runs every round that is due now, from the tick or when a soak starts. One thread runs rounds
   * at a time: a call while another runs asks that one to look again when it is done, and returns.
   * A soak whose next round came due while its round ran (its end passed meanwhile) runs again at
   * once, so the round that ends a soak, and with it the verdict, does not wait for a tick.
   */
  public void runDue() {
    requested.set(true);
    while (requested.get() && running.tryLock()) {
      try {
        requested.set(false);
        runDuePasses();
      } finally {
        running.unlock();
      }
    }
  }

  private void runDuePasses() {
    Set<Long> failed = new HashSet<>();
    for (int pass = 0; pass < MAX_PASSES; pass++) {
      List<Long> due = new ArrayList<>(soaks.due(clock.instant()));
      due.removeAll(failed);
      if (due.isEmpty()) {
        return;
      }
      for (Long id : due) {
        try {
          runRound(id);
        } catch (RuntimeException e) {
          failed.add(id);
          LOG.errorf(
              e,
              "ROTOR-4060 a round of checks of soak %d failed; it runs again on the next tick",
              id);
        }
      }
    }
  }

  void runRound(long id) {
    Optional<SoakSnapshot> found = soaks.snapshot(id);
    if (found.isEmpty()) {
      return;
    }
    SoakSnapshot soak = found.get();
    // A round runs on the tick, later: it continues the trace of the event that started the soak,
    // and so does the verdict it may bring (its outbox row keeps the round's context).
    try (Scope ignored = TraceContext.makeCurrent(soak.trace())) {
      Spans.inChild(
          tracer,
          "rotor.soak.round",
          Spans.rotation(soak.rotationId(), soak.plan().targetId()).toBuilder()
              .put(Spans.CLUSTER, soak.cluster())
              .put(SOAK_KIND, soak.kind().name())
              .put(ROUND, soak.progress().rounds + 1L)
              .build(),
          () -> runRound(id, soak));
    }
  }

  private void runRound(long id, SoakSnapshot soak) {
    long began = System.nanoTime();
    SoakProgress progress = soak.progress();
    SoakRules rules;
    try {
      rules = rules(soak);
    } catch (IllegalArgumentException e) {
      LOG.errorf("ROTOR-4061 soak %d cannot be judged: %s", id, e.getMessage());
      soaks.recordRound(
          id, soak.version(), progress, Finding.inconclusive(e.getMessage()), fallbackRules(soak));
      return;
    }
    Finding finding = check(soak, progress, rules);
    soaks.recordRound(id, soak.version(), progress, finding, rules);
    metrics.checkDuration(
        sources.kindOf(soak.cluster()).name().toLowerCase(java.util.Locale.ROOT),
        Duration.ofNanos(System.nanoTime() - began));
  }

  /** One round: the cluster, then the metric checks due. Null: no verdict yet. */
  private Finding check(SoakSnapshot soak, SoakProgress progress, SoakRules rules) {
    Optional<KubernetesClient> client = clusters.client(soak.cluster());
    if (client.isEmpty()) {
      LOG.errorf(
          "ROTOR-4042 cluster %s is not configured (rotor.verifier.clusters.%s): rotation %s cannot"
              + " be verified there",
          soak.cluster(), soak.cluster(), soak.rotationId());
      return Finding.inconclusive(
          "the verifier has no access to cluster "
              + soak.cluster()
              + " (configure rotor.verifier.clusters."
              + soak.cluster()
              + "). Promotion holds until a person decides: rotorctl promote --force, or rotorctl"
              + " rollback");
    }
    progress.rounds++;
    Plan plan = soak.plan();
    List<Finding> found = new ArrayList<>();
    ProofResult proof =
        ClusterProbe.prove(client.get(), proofSpec(soak), config.pods().clockSkew());
    if (proof.secret() == ProofResult.State.UNREADABLE
        || proof.podsState() == ProofResult.State.UNREADABLE) {
      LOG.warnf(
          "ROTOR-4041 cluster %s, rotation %s: %s; %s",
          soak.cluster(), soak.rotationId(), proof.secretDetail(), proof.podsDetail());
    }
    SoakJudge.proof(progress, proof).ifPresent(found::add);
    Map<String, Integer> restartsBefore = restartCounts(progress);
    SoakJudge.restarts(progress, proof, rules).ifPresent(found::add);
    List<PodLogs> logs =
        ClusterProbe.readLogs(
            client.get(),
            plan.namespace(),
            proof.pods(),
            rules.required(),
            rules.forbidden(),
            config.logs().limitBytes(),
            config.logs().maxLineLength());
    SoakJudge.logs(progress, logs).ifPresent(found::add);
    logNewRestarts(soak, progress, restartsBefore);

    MetricsSource source = sources.forCluster(soak.cluster(), client.get());
    progress.metricsSource = source.describe();
    Stage stage = plan.stages().get(soak.stageIndex());
    // Error rate and latency over the check interval (in a query not shorter than the minimum:
    // rate() needs two scrapes); decrypt failures since the soak began, so none between two checks
    // is missed.
    StageTarget target =
        new StageTarget(
            soak.cluster(),
            plan.namespace(),
            stage.deployments(),
            plan.verification(),
            soak.interval(),
            config.metrics().minRateWindow(),
            soak.startedAt(),
            null);
    // A baseline the source could not answer for is asked again in the next round; meanwhile the
    // checks are held to the absolute bounds, and at the soak's end, still unread, the stage
    // cannot pass (SoakJudge.finish).
    readBaseline(soak, progress, source, target);
    Instant now = clock.instant();
    while (!progress.metricsDone && !progress.nextMetricAt.isAfter(now)) {
      Instant at = source.hasHistory() ? progress.nextMetricAt : now;
      // A rollback check never looks back before it started: the failures that caused the rollback
      // (the promoted pods') are not the rolled-back workload's.
      StageTarget checked =
          soak.kind() == SoakKind.ROLLBACK
              ? target.lookingBackAtMost(Duration.between(soak.startedAt(), at))
              : target;
      MetricsReading reading = source.read(checked, at, progress.sourceState);
      progress.sourceState = reading.state();
      count(source, reading);
      Optional<Finding> failure = SoakJudge.metrics(progress, reading, checked, rules);
      advance(soak, progress);
      if (!source.hasHistory()) {
        // One reading covers every check that was due: its counters' differences span them all.
        while (!progress.metricsDone && !progress.nextMetricAt.isAfter(now)) {
          advance(soak, progress);
        }
      }
      if (failure.isPresent()) {
        found.add(failure.get());
        break;
      }
    }
    if (!found.isEmpty()) {
      // Every failure of the round is in the progress; the reason is the one that takes precedence.
      return SoakJudge.first(found).orElseThrow();
    }
    return progress.metricsDone ? SoakJudge.finish(progress, rules) : null;
  }

  /** Per {@code <pod>/<container>}, the restarts seen so far. */
  private static Map<String, Integer> restartCounts(SoakProgress progress) {
    Map<String, Integer> counts = new java.util.HashMap<>();
    progress.pods.forEach(
        (pod, log) ->
            log.restarts.forEach(
                (container, restarts) -> counts.put(pod + "/" + container, restarts.count)));
    return counts;
  }

  /** One line per container whose restarts rose since the last round: operators grep for it. */
  private static void logNewRestarts(
      SoakSnapshot soak, SoakProgress progress, Map<String, Integer> before) {
    progress.pods.forEach(
        (pod, log) ->
            log.restarts.forEach(
                (container, restarts) -> {
                  if (restarts.count > before.getOrDefault(pod + "/" + container, 0)) {
                    LOG.warnf(
                        "ROTOR-4063 %s soak of rotation %s on cluster %s: pod %s: %s; %s",
                        soak.kind().name().toLowerCase(java.util.Locale.ROOT),
                        soak.rotationId(),
                        soak.cluster(),
                        pod,
                        SoakJudge.restarted(container, restarts),
                        SoakJudge.previousLogs(restarts));
                  }
                }));
  }

  /**
   * Reads the baseline, once the source answers: a source that could not answer (unreachable, timed
   * out, overloaded) is asked again in the next round, while an answer is final, also one without
   * data ({@link MetricsSource#baseline}).
   *
   * @return whether the baseline is known: read now or before, or none applies
   */
  private boolean readBaseline(
      SoakSnapshot soak, SoakProgress progress, MetricsSource source, StageTarget target) {
    if (progress.baselineRead) {
      return true;
    }
    if (soak.kind() != SoakKind.STAGE || !source.hasHistory()) {
      progress.baselineRead = true;
      return true;
    }
    Instant to = soak.baselineEnd();
    Instant from = to.minus(soak.plan().verification().baselineWindow());
    progress.baselineFrom = from;
    progress.baselineTo = to;
    Baseline baseline = source.baseline(target, from, to);
    if (!baseline.isRead()) {
      progress.baselineFailures++;
      progress.baselineFailure = baseline.failure();
      boolean ended = !clock.instant().isBefore(soak.soakEndsAt());
      LOG.warnf(
          "ROTOR-4040 stage soak of rotation %s on cluster %s: the baseline cannot be read"
              + " (attempt %d: %s); %s",
          soak.rotationId(),
          soak.cluster(),
          progress.baselineFailures,
          baseline.failure(),
          ended
              ? "the soak has ended: its metric checks were held to the absolute bounds only, and"
                  + " the stage cannot pass"
              : "its metric checks are held to the absolute bounds until it is read, and it is"
                  + " read again in the next round");
      return false;
    }
    progress.baselineRead = true;
    progress.baselineFailure = null;
    baseline
        .values()
        .forEach(
            (deployment, byKind) ->
                byKind.forEach(
                    (kind, value) -> progress.series(kind, deployment).baseline = value));
    return true;
  }

  private static void advance(SoakSnapshot soak, SoakProgress progress) {
    if (!progress.nextMetricAt.isBefore(soak.soakEndsAt())) {
      progress.metricsDone = true;
      return;
    }
    Instant next = progress.nextMetricAt.plus(soak.interval());
    progress.nextMetricAt = next.isAfter(soak.soakEndsAt()) ? soak.soakEndsAt() : next;
  }

  private void count(MetricsSource source, MetricsReading reading) {
    String name = source.hasHistory() ? "prometheus" : "scrape";
    for (Map<MetricKind, MetricValue> byKind : reading.values().values()) {
      byKind.values().forEach(value -> metrics.metricRead(name, value.hasData()));
    }
  }

  /**
   * What the cluster must show: after a promote the new key as primary and the previous primary
   * kept (when known: what it encrypted must stay readable), after a rollback the old one, and the
   * new key kept where it had reached the Secret.
   */
  private static ProofSpec proofSpec(SoakSnapshot soak) {
    Plan plan = soak.plan();
    List<String> deployments = plan.stages().get(soak.stageIndex()).deployments();
    if (soak.kind() == SoakKind.STAGE) {
      String expectedId = soak.newKeyId() != null ? soak.newKeyId() : soak.claimedPrimaryKeyId();
      return new ProofSpec(
          soak.cluster(),
          plan.namespace(),
          plan.secretName(),
          expectedId,
          soak.expectedFingerprint(),
          soak.previousKeyId(),
          soak.previousKeyId(),
          deployments,
          soak.secretChangedAt());
    }
    String oldPrimary =
        soak.previousKeyId() != null ? soak.previousKeyId() : soak.claimedPrimaryKeyId();
    return new ProofSpec(
        soak.cluster(),
        plan.namespace(),
        plan.secretName(),
        oldPrimary,
        null,
        soak.newKeyRequired() ? soak.newKeyId() : null,
        null,
        deployments,
        soak.secretChangedAt());
  }

  private SoakRules rules(SoakSnapshot soak) {
    Plan plan = soak.plan();
    Stage stage = plan.stages().get(soak.stageIndex());
    return new SoakRules(
        soak.kind(),
        stage.thresholds(),
        compile(plan.verification().requiredLogPatterns(), "requiredLogPatterns"),
        compile(plan.verification().forbiddenLogPatterns(), "forbiddenLogPatterns"),
        config.metrics().minDataShare(),
        config.baseline().minErrorRate(),
        config.baseline().minLatency().toNanos() / 1e9,
        config.logs().maxEvidenceLines(),
        soakChecks(soak));
  }

  private static int soakChecks(SoakSnapshot soak) {
    return SoakRules.checksIn(
        Duration.between(soak.startedAt(), soak.soakEndsAt()), soak.interval());
  }

  private SoakRules fallbackRules(SoakSnapshot soak) {
    return new SoakRules(
        soak.kind(),
        Thresholds.DEFAULT,
        List.of(),
        List.of(),
        config.metrics().minDataShare(),
        config.baseline().minErrorRate(),
        config.baseline().minLatency().toNanos() / 1e9,
        config.logs().maxEvidenceLines(),
        soakChecks(soak));
  }

  private static List<Pattern> compile(List<String> patterns, String field) {
    List<Pattern> compiled = new ArrayList<>();
    for (int i = 0; i < patterns.size(); i++) {
      try {
        compiled.add(Pattern.compile(patterns.get(i)));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "the plan's verification." + field + "[" + i + "] is not a regular expression");
      }
    }
    return compiled;
  }
}
