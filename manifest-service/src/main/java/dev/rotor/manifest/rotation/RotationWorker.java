package dev.rotor.manifest.rotation;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.ManifestApproved;
import dev.rotor.common.event.ManifestProposed;
import dev.rotor.common.event.ManifestRolledBack;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.event.RotationFailed;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.event.Sources;
import dev.rotor.common.messaging.TraceContext;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.ManifestSpec;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.common.plan.Stage;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.TransientException;
import dev.rotor.manifest.config.ManifestServiceConfig;
import dev.rotor.manifest.config.ServiceSetup;
import dev.rotor.manifest.events.OutboxSender;
import dev.rotor.manifest.git.ManifestChanges;
import dev.rotor.manifest.keyring.EntryValues;
import dev.rotor.manifest.keyring.PlainEntryValues;
import dev.rotor.manifest.keyring.SealedEntryValues;
import dev.rotor.manifest.review.ChangeRequest;
import dev.rotor.manifest.review.Decision;
import dev.rotor.manifest.review.ReviewGateway;
import dev.rotor.manifest.review.Reviews;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Drives each rotation through its steps on one worker thread: propose (write the two commits, open
 * the change request), review (count approvals, merge), roll back. New events wake it at once; a
 * timer looks for due work (retries, GitHub polls, review deadlines) every {@code worker.interval}.
 *
 * <p>A step reads the rotation, works on Git and the review provider without a transaction, then
 * writes its result and the events it causes in one transaction. A crash in between is harmless:
 * the step runs again and finds in Git what it already wrote, and the events get the same ids.
 *
 * <p>A step that ends with an {@link Error} (a {@code StackOverflowError} on a manifest nested too
 * deep, an {@code ExceptionInInitializerError}) is a failed attempt of that rotation like any
 * other: logged ({@code ROTOR-2091}), retried after a backoff and failed after {@code
 * worker.max-attempts}; the worker and its schedule go on. After an {@link OutOfMemoryError} the
 * worker goes on too, but its liveness check reports down from then on: the error may have hit any
 * thread of the service, and only a restart gives a clean heap. The rotation is recorded first, so
 * that the restarted instance does not take it up again at once.
 */
@ApplicationScoped
public class RotationWorker {
  private static final Logger LOG = Logger.getLogger(RotationWorker.class);
  private static final String SOURCE = Sources.of("manifest-service");

  /** Passed as the inputs seen when an input still awaits action: the rotation is due at once. */
  private static final long NOT_ACTED_ON = -1;

  private final RotationStore store;
  private final ManifestChanges changes;
  private final Reviews reviews;
  private final OutboxSender outbox;
  private final ServiceSetup setup;
  private final ManifestMetrics metrics;
  private final Clock clock;
  private final ManifestServiceConfig.Worker settings;
  private final Duration reviewTimeout;
  private final int batchSize;
  private final String owner = "manifest-service-" + UUID.randomUUID().toString().substring(0, 8);
  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private final AtomicReference<Instant> lastTick = new AtomicReference<>();
  private final AtomicReference<String> outOfMemory = new AtomicReference<>();
  private ScheduledExecutorService executor;

  /** Keeps the leases of the rotations the worker is working on (the worker's thread is busy). */
  private ScheduledExecutorService leaseKeeper;

  public RotationWorker(
      RotationStore store,
      ManifestChanges changes,
      Reviews reviews,
      OutboxSender outbox,
      ServiceSetup setup,
      ManifestMetrics metrics,
      Clock clock,
      ManifestServiceConfig config) {
    this.store = store;
    this.changes = changes;
    this.reviews = reviews;
    this.outbox = outbox;
    this.setup = setup;
    this.metrics = metrics;
    this.clock = clock;
    this.settings = config.worker();
    this.reviewTimeout = config.review().timeout();
    this.batchSize = config.git().batchSize();
  }

  void start(@Observes StartupEvent event) {
    executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "rotor-manifest-worker");
              t.setDaemon(true);
              return t;
            });
    leaseKeeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "rotor-manifest-lease");
              t.setDaemon(true);
              return t;
            });
    long interval = Math.max(100, settings.interval().toMillis());
    executor.scheduleWithFixedDelay(this::drain, 0, interval, TimeUnit.MILLISECONDS);
  }

  void stop(@Observes ShutdownEvent event) {
    if (leaseKeeper != null) {
      leaseKeeper.shutdownNow();
    }
    if (executor != null) {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
          executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        executor.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Wakes the worker after a transaction that recorded new work committed. */
  void onWork(@Observes(during = TransactionPhase.AFTER_SUCCESS) WorkArrived work) {
    wake();
  }

  /** Makes the worker look for due work now. */
  public void wake() {
    ScheduledExecutorService e = executor;
    if (e != null && !e.isShutdown() && wakeQueued.compareAndSet(false, true)) {
      e.execute(
          () -> {
            wakeQueued.set(false);
            drain();
          });
    }
  }

  /** When the worker last finished a round or a batch of one; empty before the first. */
  public Optional<Instant> lastRound() {
    return Optional.ofNullable(lastTick.get());
  }

  /** What ran out of memory in the worker, once something did: the service needs a restart. */
  public Optional<String> outOfMemory() {
    return Optional.ofNullable(outOfMemory.get());
  }

  private void drain() {
    try {
      outbox.sendUnsent();
      for (int i = 0; i < 1000; i++) {
        List<RotationRecord> due =
            store.claimDueBatch(clock.instant(), owner, settings.lease(), batchSize);
        if (due.isEmpty()) {
          break;
        }
        ScheduledFuture<?> renewal = keepLeases(due);
        try {
          processBatch(due);
        } finally {
          renewal.cancel(false);
        }
        lastTick.set(clock.instant());
        outbox.sendUnsent();
      }
      long[] gauges = store.gauges();
      metrics.gauges(gauges[0], gauges[1], gauges[2]);
    } catch (RuntimeException e) {
      LOG.errorf(e, "ROTOR-2090 the worker's round failed: %s", e.getMessage());
    } catch (Error e) {
      // Not thrown on: the scheduled executor would drop the schedule for good, silently.
      LOG.errorf(
          e,
          "ROTOR-2091 the worker's round ended with %s; the worker goes on at its next round",
          e.getClass().getSimpleName());
      noteIfOutOfMemory(e, "the worker's round");
    } finally {
      lastTick.set(clock.instant());
    }
  }

  private void noteIfOutOfMemory(Error e, String where) {
    if (e instanceof OutOfMemoryError) {
      outOfMemory.compareAndSet(null, where + ": " + e.getMessage());
    }
  }

  /**
   * Renews the leases of {@code claimed} every third of {@code worker.lease} while the worker works
   * on them, so that the lease can be short: a rotation whose instance was killed is taken up by
   * the next one within one lease, not after a long fixed one, and a long batch keeps its leases.
   */
  private ScheduledFuture<?> keepLeases(List<RotationRecord> claimed) {
    List<String> ids = claimed.stream().map(r -> r.rotationId).toList();
    long every = Math.max(100, settings.lease().toMillis() / 3);
    return leaseKeeper.scheduleWithFixedDelay(
        () -> {
          try {
            store.renewLeases(owner, ids, clock.instant().plus(settings.lease()));
          } catch (RuntimeException e) {
            LOG.warnf(
                "ROTOR-2056 could not renew the leases of %d rotations (%s); another instance may"
                    + " take them up after %s, which Git's expected old values make safe",
                ids.size(), e.getMessage(), settings.lease());
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
  }

  /** The step of one rotation in a round; a proposal or a local merge waits for its batch. */
  private final class Step {
    final RotationRecord rotation;

    /** The public part of key.generated: there whether or not the sealed key was purged. */
    final KeyFacts facts;

    /** The whole key.generated; null when its sealed key was purged (then {@link #key} refuses). */
    private final KeyGenerated whole;

    final long seen;
    final String name;
    final Timer.Sample sample = metrics.start();
    boolean batched;
    List<String> approvers;
    boolean forced;

    Step(RotationRecord rotation) {
      this.rotation = rotation;
      this.whole = rotation.keyMaterialPurgedAt == null ? rotation.keyGenerated() : null;
      this.facts = whole != null ? KeyFacts.of(whole) : rotation.keyFacts();
      this.seen = rotation.inputVersion;
      this.name = rotation.status.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The whole key.generated, sealed key included, for the steps that write or judge the new key
     * (propose, review, merge). A purged rotation (completed, or ended, key-material.keep ago) has
     * none: this refuses it with a message naming the rotation and when its key was purged, and the
     * step fails or is retried with that message; no step goes on without the key.
     */
    KeyGenerated key() {
      return whole != null ? whole : rotation.keyGenerated();
    }

    /** The repository and branch whose Git round this step shares. */
    String gitRound() {
      return facts.plan().manifest().repository() + "\n" + facts.plan().manifest().branch();
    }
  }

  /**
   * Works on the claimed rotations: reviews, rollbacks and waits one by one; local merges, then
   * proposals, in one Git round per repository and branch (merges first: cluster-agents wait for
   * them). Each rotation ends its step in its own transaction, with its own events.
   */
  void processBatch(List<RotationRecord> due) {
    Map<String, List<Step>> merges = new LinkedHashMap<>();
    Map<String, List<Step>> proposals = new LinkedHashMap<>();
    for (RotationRecord rotation : due) {
      if (!rotation.status.isOpen()) {
        setAside(rotation);
        continue;
      }
      Step step;
      try {
        step = new Step(rotation);
      } catch (RuntimeException e) {
        // The others go on; this one is looked at again when its lease ends.
        LOG.errorf(
            e, "ROTOR-2090 rotation %s cannot be read: %s", rotation.rotationId, e.getMessage());
        continue;
      } catch (Error e) {
        LOG.errorf(
            e,
            "ROTOR-2091 rotation %s cannot be read: %s; it is looked at again when its lease ends",
            rotation.rotationId,
            e.getClass().getSimpleName());
        noteIfOutOfMemory(e, "rotation " + rotation.rotationId);
        continue;
      }
      run(
          step,
          () -> {
            switch (rotation.status) {
              case PROPOSING -> {
                Plan plan = step.facts.plan();
                reviews.of(plan).requireAvailable(plan);
                step.batched = true;
                proposals.computeIfAbsent(step.gitRound(), k -> new ArrayList<>()).add(step);
              }
              case PROPOSED ->
                  review(
                      step,
                      s -> merges.computeIfAbsent(s.gitRound(), k -> new ArrayList<>()).add(s));
              // A rollback needs the public fields only: it works on a completed rotation whose
              // sealed key was purged.
              case MERGED -> rollBackIfAsked(rotation, step.facts, step.seen);
              default -> store.waitUntil(rotation.rotationId, null, step.seen, clock.instant());
            }
          });
    }
    merges.values().forEach(this::mergeBatch);
    proposals.values().forEach(this::proposeBatch);
  }

  /**
   * An ended rotation the worker found due (a retry recorded after another instance ended it):
   * nothing to do, and it is not due any more. Its key.generated is not read: its sealed key may
   * have been purged (KeyMaterialPurge).
   */
  private void setAside(RotationRecord rotation) {
    try {
      store.waitUntil(rotation.rotationId, null, rotation.inputVersion, clock.instant());
    } catch (RuntimeException e) {
      // Looked at again when its lease ends.
      LOG.errorf(
          e, "ROTOR-2090 rotation %s cannot be set aside: %s", rotation.rotationId, e.getMessage());
    }
  }

  /**
   * Runs (part of) a step in the trace of the event that last woke the rotation; a failure fails or
   * retries this rotation only. The step is timed until it is done, batch included.
   */
  private void run(Step step, Runnable work) {
    String outcome = "done";
    try (Scope ignored = traceOf(step)) {
      work.run();
    } catch (RotationFailedException e) {
      step.batched = false;
      outcome = "failed";
      unrecorded(step, () -> fail(step.rotation, step.facts, e.reason(), e.getMessage()));
    } catch (RuntimeException e) {
      step.batched = false;
      outcome = "retry";
      unrecorded(step, () -> retry(step.rotation, step.facts, step.name, e, step.seen));
    } catch (Error e) {
      // One rotation's Error (its manifest, a class that failed to initialise) is a failed attempt
      // of that rotation: backed off and counted like any other, never a hot loop or a dead worker.
      step.batched = false;
      outcome = "retry";
      unrecorded(step, () -> retry(step.rotation, step.facts, step.name, e, step.seen));
      noteIfOutOfMemory(e, "rotation " + step.rotation.rotationId + ", step " + step.name);
    } finally {
      if (!step.batched) {
        metrics.stepDone(step.sample, step.name, outcome);
      }
    }
  }

  /**
   * Records a step's failure or retry; when even that cannot be written (the database is away, the
   * row is gone), logs it and goes on with the other rotations: this one keeps its lease and is
   * taken up again when the lease ends, and Git's look-before-write makes the replay safe.
   */
  private void unrecorded(Step step, Runnable recordOutcome) {
    try {
      recordOutcome.run();
    } catch (RuntimeException e) {
      LOG.errorf(
          "ROTOR-2009 rotation %s: the outcome of step %s could not be recorded (%s); the rotation"
              + " is taken up again when its lease ends",
          step.rotation.rotationId, step.name, e.getMessage());
    }
  }

  // ---- steps

  private void proposeBatch(List<Step> steps) {
    List<Step> ready = new ArrayList<>();
    List<ManifestChanges.ProposalRequest> requests = new ArrayList<>();
    List<ManifestChanges.Outcome<ManifestChanges.Proposal>> outcomes;
    long git;
    try {
      for (Step step : steps) {
        step.batched = false;
        run(
            step,
            () -> {
              KeyGenerated key = step.key();
              requests.add(new ManifestChanges.ProposalRequest(key, entryValues(key)));
              ready.add(step);
              step.batched = true;
            });
      }
      git = System.nanoTime();
      outcomes = batchOrFail(requests.size(), () -> changes.proposeAll(requests));
      git = System.nanoTime() - git;
    } finally {
      requests.forEach(r -> r.values().close());
    }
    recordBatch(
        "proposals",
        steps,
        ready,
        outcomes,
        git,
        (step, proposal) -> proposed(step.rotation, step.key(), proposal));
  }

  /**
   * Ends the steps of a batch after its Git round: each step's outcome ({@code outcomes}, in the
   * order of {@code ready}) becomes its database transition and events, written together ({@link
   * #record}); a step whose Git outcome failed fails or retries alone. Logs the batch's timings.
   */
  private <T> void recordBatch(
      String what,
      List<Step> steps,
      List<Step> ready,
      List<ManifestChanges.Outcome<T>> outcomes,
      long git,
      BiFunction<Step, T, StepResult> result) {
    long recording = System.nanoTime();
    List<Recording> recordings = new ArrayList<>();
    for (int i = 0; i < ready.size(); i++) {
      Step step = ready.get(i);
      ManifestChanges.Outcome<T> outcome = outcomes.get(i);
      step.batched = false;
      run(
          step,
          () -> {
            recordings.add(new Recording(step, result.apply(step, outcome.get())));
            step.batched = true;
          });
    }
    record(recordings);
    logBatch(what, steps, ready.size(), git, System.nanoTime() - recording);
  }

  /** One line per batch: how a fleet's time divides between Git and the database. */
  private static void logBatch(String what, List<Step> steps, int sent, long git, long recording) {
    if (steps.isEmpty()) {
      return;
    }
    var manifest = steps.get(0).facts.plan().manifest();
    LOG.infof(
        "ROTOR-2007 batch of %d %s on %s (%s): %d in the Git round, which took %d ms; recording"
            + " the outcomes took %d ms",
        steps.size(),
        what,
        manifest.repository(),
        manifest.branch(),
        sent,
        git / 1_000_000,
        recording / 1_000_000);
  }

  /** The batch's outcomes; a failure of the batch as a whole is every rotation's failure. */
  private static <T> List<ManifestChanges.Outcome<T>> batchOrFail(
      int size, java.util.function.Supplier<List<ManifestChanges.Outcome<T>>> batch) {
    try {
      return batch.get();
    } catch (RuntimeException e) {
      List<ManifestChanges.Outcome<T>> failed = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        failed.add(ManifestChanges.Outcome.failed(e));
      }
      return failed;
    } catch (Error e) {
      List<ManifestChanges.Outcome<T>> failed = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        failed.add(ManifestChanges.Outcome.failed(e));
      }
      return failed;
    }
  }

  /** A step's outcome, written with its batch's ({@link #record}), then logged. */
  private record Recording(Step step, StepResult result) {}

  /** What a step writes in the database, and what it logs and counts once that committed. */
  private record StepResult(Runnable write, Runnable done) {}

  /**
   * Writes the outcomes of a batch's steps in one transaction, each in its own rotation's trace,
   * then logs them and stops their timers. If that transaction fails, each is written in its own,
   * so that one bad rotation fails or retries only itself.
   */
  private void record(List<Recording> recordings) {
    if (recordings.isEmpty()) {
      return;
    }
    try {
      store.inOneTransaction(
          recordings.stream().map(r -> traced(r.step(), r.result().write())).toList());
    } catch (RuntimeException e) {
      LOG.warnf(
          "ROTOR-2008 recording a batch of %d outcomes in one transaction failed (%s); recording"
              + " each in its own",
          recordings.size(), e.getMessage());
      for (Recording r : recordings) {
        r.step().batched = false;
        run(
            r.step(),
            () -> {
              r.result().write().run();
              r.result().done().run();
            });
      }
      return;
    }
    for (Recording r : recordings) {
      r.step().batched = false;
      run(r.step(), r.result().done());
    }
  }

  private static Runnable traced(Step step, Runnable work) {
    return () -> {
      try (Scope ignored = traceOf(step)) {
        work.run();
      }
    };
  }

  /** Makes the trace of the event that last woke the step's rotation current. */
  private static Scope traceOf(Step step) {
    return TraceContext.makeCurrent(
        TraceContext.of(step.rotation.traceparent, step.rotation.tracestate));
  }

  private StepResult proposed(
      RotationRecord rotation, KeyGenerated key, ManifestChanges.Proposal proposal) {
    Plan plan = key.plan();
    ReviewGateway review = reviews.of(plan);
    ChangeRequest changeRequest = review.open(rotation, key, proposal);
    ManifestProposed data =
        new ManifestProposed(
            key.rotationId(),
            key.targetId(),
            plan,
            key.fingerprint(),
            proposal.previousKeyId(),
            proposal.branch(),
            proposal.distributeCommit(),
            proposal.promoteCommit(),
            changeRequest.url());
    EventEnvelope event = event(rotation, data);
    return new StepResult(
        () -> store.proposed(key.rotationId(), proposal, changeRequest, event, clock.instant()),
        () -> {
          metrics.proposed(plan.approvals().provider().id(), proposal.reused());
          LOG.infof(
              "ROTOR-2001 rotation %s of %s proposed on branch %s: distribute %s, promote %s%s%s",
              key.rotationId(),
              key.targetId(),
              proposal.branch(),
              proposal.distributeCommit(),
              proposal.promoteCommit(),
              changeRequest.url() == null ? "" : ", review at " + changeRequest.url(),
              proposal.reused() ? " (found in Git, nothing written)" : "");
        });
  }

  private void mergeBatch(List<Step> steps) {
    List<ManifestChanges.Proposed> proposals = new ArrayList<>();
    for (Step step : steps) {
      proposals.add(ReviewGateway.proposed(step.rotation, step.key()));
    }
    long git = System.nanoTime();
    List<ManifestChanges.Outcome<ManifestChanges.Merged>> outcomes =
        batchOrFail(proposals.size(), () -> changes.mergeAll(proposals));
    git = System.nanoTime() - git;
    recordBatch(
        "merges",
        steps,
        steps,
        outcomes,
        git,
        (step, merged) ->
            merged(step.rotation, step.key(), merged, step.approvers, step.forced, step.seen));
  }

  private void review(Step step, Consumer<Step> mergeInBatch) {
    RotationRecord rotation = step.rotation;
    KeyGenerated key = step.key();
    long seen = step.seen;
    List<RotationInputRecord> inputs = store.inputs(rotation.rotationId, rotation.targetId);
    ReviewGateway review = reviews.of(key.plan());
    Optional<RotationInputRecord> rollback = first(inputs, InputKind.ROLLBACK);
    Optional<RotationInputRecord> rejected = first(inputs, InputKind.REJECTED);
    if (rollback.isPresent() || rejected.isPresent()) {
      // A person may have merged the pull request before Rotor saw this: then the change is
      // applied, and only a rollback undoes it. Record the merge; the next round rolls it back.
      Optional<Decision.MergedElsewhere> merged = review.mergedElsewhere(rotation, key);
      if (merged.isPresent()) {
        mergedElsewhere(rotation, key, merged.get(), NOT_ACTED_ON);
        return;
      }
    }
    if (rollback.isPresent()) {
      String message =
          rollback.get().detail
              + "; the change was not merged yet, so Rotor withdrew the proposal and nothing was"
              + " applied";
      throw new RotationFailedException(Reasons.RotationFailure.REVIEW_REJECTED, message);
    }
    if (rejected.isPresent()) {
      String message =
          CommitText.flat(rejected.get().actor)
              + " rejected the change"
              + (rejected.get().detail == null || rejected.get().detail.isBlank()
                  ? ""
                  : ": " + CommitText.flat(rejected.get().detail));
      throw new RotationFailedException(Reasons.RotationFailure.REVIEW_REJECTED, message);
    }
    Decision decision = review.decide(rotation, key, inputs);
    if (decision instanceof Decision.Approved approved
        && review.provider() == ReviewProvider.LOCAL) {
      // Rotor merges and pushes itself: in one Git round with the other merges of the batch.
      step.approvers = approved.approvers();
      step.forced = approved.forced();
      step.batched = true;
      mergeInBatch.accept(step);
    } else if (decision instanceof Decision.Approved approved) {
      ManifestChanges.Merged merged = review.merge(rotation, key, approved.approvers());
      now(merged(rotation, key, merged, approved.approvers(), approved.forced(), seen));
    } else if (decision instanceof Decision.MergedElsewhere elsewhere) {
      mergedElsewhere(rotation, key, elsewhere, seen);
    } else if (decision instanceof Decision.Rejected rejectedDecision) {
      throw new RotationFailedException(
          Reasons.RotationFailure.REVIEW_REJECTED, rejectedDecision.message());
    } else if (decision instanceof Decision.Pending pending) {
      Instant deadline = rotation.proposedAt.plus(reviewTimeout);
      if (!clock.instant().isBefore(deadline)) {
        throw new RotationFailedException(
            Reasons.RotationFailure.REVIEW_REJECTED,
            "no decision within " + reviewTimeout + " of the proposal (review.timeout)");
      }
      Instant next =
          pending.nextCheck() == null || pending.nextCheck().isAfter(deadline)
              ? deadline
              : pending.nextCheck();
      store.waitUntil(rotation.rotationId, next, seen, clock.instant());
    }
  }

  private void mergedElsewhere(
      RotationRecord rotation, KeyGenerated key, Decision.MergedElsewhere elsewhere, long seen) {
    if (elsewhere.approvers().size() < elsewhere.required()) {
      throw new RotationFailedException(
          Reasons.RotationFailure.REVIEW_REJECTED,
          "the change request was merged with "
              + elsewhere.approvers().size()
              + " of the "
              + elsewhere.required()
              + " approvals the policy requires (counted: "
              + elsewhere.approvers()
              + "); Rotor does not roll it out: revert merge "
              + elsewhere.mergeCommit()
              + " and request a new rotation");
    }
    ManifestChanges.Merged merged =
        changes.locateMerged(ReviewGateway.proposed(rotation, key), elsewhere.mergeCommit());
    now(merged(rotation, key, merged, elsewhere.approvers(), false, seen));
  }

  /** Writes a step's outcome in its own transaction, then logs it. */
  private static void now(StepResult result) {
    result.write().run();
    result.done().run();
  }

  private StepResult merged(
      RotationRecord rotation,
      KeyGenerated key,
      ManifestChanges.Merged merged,
      List<String> approvers,
      boolean forced,
      long seen) {
    ManifestApproved data =
        new ManifestApproved(
            key.rotationId(),
            key.targetId(),
            key.plan(),
            key.fingerprint(),
            merged.mergeCommit(),
            merged.distributeCommit(),
            merged.promoteCommit(),
            approvers,
            forced);
    EventEnvelope event = event(rotation, data);
    return new StepResult(
        () ->
            store.merged(
                rotation.rotationId, merged, approvers, forced, event, seen, clock.instant()),
        () -> {
          metrics.merged(merged.mode().name().toLowerCase(java.util.Locale.ROOT));
          LOG.infof(
              "ROTOR-2002 rotation %s of %s merged into %s (%s) as %s, approved by %s",
              key.rotationId(),
              key.targetId(),
              key.plan().manifest().branch(),
              merged.mode(),
              merged.mergeCommit(),
              approvers);
        });
  }

  /**
   * Rolls a merged rotation back if a trigger asks for it. Reads only the public fields of its
   * key.generated ({@link KeyFacts}): the rollback writes the previous key back as primary and
   * names the new one by id and fingerprint, so it works on a completed rotation whose sealed key
   * was purged.
   */
  private void rollBackIfAsked(RotationRecord rotation, KeyFacts key, long seen) {
    List<RotationInputRecord> inputs = store.inputs(rotation.rotationId, rotation.targetId);
    Optional<RotationInputRecord> trigger = first(inputs, InputKind.ROLLBACK);
    if (trigger.isEmpty()) {
      trigger = rejectedBeforeTheMerge(rotation, inputs);
    }
    if (trigger.isEmpty()) {
      store.waitUntil(rotation.rotationId, null, seen, clock.instant());
      return;
    }
    Plan plan = key.plan();
    RotationInputRecord cause = trigger.get();
    EntryValues values =
        plan.manifest().format() == ManifestFormat.SEALED_SECRET
            ? SealedEntryValues.forPrimaryOnly(plan)
            : PlainEntryValues.forPrimaryOnly();
    List<String> ordered = rollbackClusters(rotation, plan, inputs);
    ManifestChanges.RolledBack rolledBack;
    try {
      rolledBack =
          changes.rollback(
              new ManifestChanges.RollbackRequest(
                  plan,
                  key.rotationId(),
                  key.keyId(),
                  key.fingerprint(),
                  rotation.previousKeyId,
                  rotation.mergedPromoteCommit,
                  cause.actor,
                  cause.detail,
                  neverUnsealed(rotation, plan, inputs)),
              values);
    } catch (RotationFailedException e) {
      throw rollbackRefused(rotation, key, ordered, cause.detail, e);
    }
    ManifestRolledBack data =
        new ManifestRolledBack(
            key.rotationId(), key.targetId(), plan, rolledBack.commit(), ordered, cause.detail);
    EventEnvelope event = EventEnvelope.causedBy(cause.eventId, data, SOURCE, clock);
    store.rolledBack(
        rotation.rotationId, rolledBack.commit(), ordered, cause.eventId, event, clock.instant());
    metrics.rolledBack(rolledBack.reused());
    LOG.warnf(
        "ROTOR-2003 rotation %s of %s rolled back on %s by commit %s (%s); clusters to roll"
            + " back: %s",
        key.rotationId(),
        key.targetId(),
        plan.manifest().branch(),
        rolledBack.commit(),
        cause.detail,
        ordered);
  }

  /**
   * A rejection Rotor had not acted on when the change was merged (a pull request merged on GitHub
   * before Rotor saw the rejection, or a rejection that arrived while Rotor merged): it asked for
   * the change not to be applied, so it rolls the merge back, as a rollback request would.
   */
  private static Optional<RotationInputRecord> rejectedBeforeTheMerge(
      RotationRecord rotation, List<RotationInputRecord> inputs) {
    return inputs.stream()
        .filter(i -> i.kind == InputKind.REJECTED)
        .filter(
            i ->
                rotation.mergedAt == null
                    || i.receivedAt == null
                    || !i.receivedAt.isAfter(rotation.mergedAt))
        .findFirst()
        .map(
            i -> {
              RotationInputRecord asRollback = new RotationInputRecord();
              asRollback.eventId = i.eventId;
              asRollback.rotationId = i.rotationId;
              asRollback.targetId = i.targetId;
              asRollback.kind = InputKind.ROLLBACK;
              asRollback.actor = i.actor;
              asRollback.receivedAt = i.receivedAt;
              asRollback.detail =
                  CommitText.flat(i.actor)
                      + " rejected the change before Rotor saw it merged"
                      + (i.detail == null || i.detail.isBlank()
                          ? ""
                          : ": " + CommitText.flat(i.detail));
              return asRollback;
            });
  }

  /**
   * Whether the new key of a sealed-secret rotation certainly never reached any cluster's Secret in
   * usable form, so that the rollback removes its entry instead of keeping it decrypt-only: the
   * sealed-secrets controller unseals a SealedSecret whole or not at all, and an entry it cannot
   * open would make the rollback time out too, and every later rotation of the target.
   *
   * <p>True only when some cluster failed the distribute phase with {@code UNSEAL_TIMEOUT} and
   * every cluster that reported any rollout of the rotation is such a cluster: none completed a
   * phase or started another (stages run one after the other, so a later stage never started). The
   * key was then never primary anywhere, and nothing can have been encrypted with it. Any other
   * evidence, or none (inputs recorded before their phase was), keeps the entry.
   */
  private boolean neverUnsealed(
      RotationRecord rotation, Plan plan, List<RotationInputRecord> inputs) {
    if (plan.manifest().format() != ManifestFormat.SEALED_SECRET) {
      return false;
    }
    Set<String> unsealTimedOut = new LinkedHashSet<>();
    for (RotationInputRecord input : inputs) {
      if (input.kind == InputKind.ROLLBACK
          && input.cluster != null
          && Phase.DISTRIBUTE.name().equals(input.phase)
          && Reasons.Rollout.UNSEAL_TIMEOUT.name().equals(input.reason)) {
        unsealTimedOut.add(input.cluster);
      }
    }
    return !unsealTimedOut.isEmpty()
        && unsealTimedOut.containsAll(store.appliedClusters(rotation.rotationId));
  }

  /**
   * The clusters a rollback is for: those that applied the rotation, or else every stage; never one
   * whose agent refused the stage as it took it in and started nothing there (it would refuse the
   * rollback too, and fail it, for the same reason).
   */
  private List<String> rollbackClusters(
      RotationRecord rotation, Plan plan, List<RotationInputRecord> inputs) {
    Set<String> clusters = new LinkedHashSet<>(store.appliedClusters(rotation.rotationId));
    Set<String> refused = new LinkedHashSet<>();
    for (RotationInputRecord input : inputs) {
      if (input.kind == InputKind.ROLLBACK && input.cluster != null) {
        (input.refusedAtIntake() ? refused : clusters).add(input.cluster);
      }
    }
    if (clusters.isEmpty() && refused.isEmpty()) {
      // No rollout was seen; one may have started unseen (or a GitOps tool applied the merge):
      // every stage rolls back, which is harmless where nothing changed. A refusal was seen: the
      // stages run in order, so none after the refusing one started (Git alone rolls back).
      plan.stages().stream().map(Stage::cluster).forEach(clusters::add);
    }
    return new ArrayList<>(clusters);
  }

  /**
   * A rollback that cannot be written leaves the merged key primary on the clusters, the key whose
   * rollout or verification just failed: the failure says so and what to do, whatever its cause.
   */
  private static RotationFailedException rollbackRefused(
      RotationRecord rotation,
      KeyFacts key,
      List<String> clusters,
      String cause,
      RotationFailedException e) {
    ManifestSpec spec = key.plan().manifest();
    String message =
        "rollback not written"
            + (cause == null ? "" : " (" + CommitText.flat(cause) + ")")
            + ": "
            + e.getMessage()
            + ". The clusters "
            + clusters
            + " still run key "
            + key.keyId()
            + " as the primary of "
            + key.targetId()
            + ", the key whose rollout or verification failed: "
            + (rotation.previousKeyId == null
                ? "there is no earlier key to go back to; fix the workload, or rotate again"
                : "set keyring.primary back to "
                    + rotation.previousKeyId
                    + " in "
                    + spec.path()
                    + " on "
                    + spec.branch()
                    + " by hand (keep keyring.key."
                    + key.keyId()
                    + " for what it already encrypted), apply it to those clusters and restart"
                    + " the workloads");
    LOG.errorf(
        "ROTOR-2010 rotation %s of %s: rollback not written (%s), key %s stays primary on %s: %s",
        key.rotationId(), key.targetId(), e.reason(), key.keyId(), clusters, e.getMessage());
    return new RotationFailedException(Reasons.RotationFailure.ROLLBACK_FAILED, message);
  }

  // ---- outcomes

  private void fail(
      RotationRecord rotation, KeyFacts key, Reasons.RotationFailure reason, String message) {
    if (rotation.status == RotationStatus.PROPOSED) {
      // Best effort: a failed close is logged, the rotation ends all the same. (A proposed
      // rotation is never purged.)
      try {
        reviews.of(key.plan()).close(rotation, rotation.keyGenerated(), message);
      } catch (RuntimeException e) {
        LOG.warnf(
            "ROTOR-2042 could not close the change request of rotation %s: %s",
            rotation.rotationId, e.getMessage());
      }
    }
    RotationFailed data =
        new RotationFailed(key.rotationId(), key.targetId(), key.plan(), reason, message);
    store.failed(rotation.rotationId, reason, message, event(rotation, data), clock.instant());
    metrics.failed(reason.name());
    LOG.warnf(
        "ROTOR-2004 rotation %s of %s failed (%s): %s",
        key.rotationId(), key.targetId(), reason, message);
  }

  private void retry(RotationRecord rotation, KeyFacts key, String step, Throwable e, long seen) {
    int attempts = rotation.attempts + 1;
    String message =
        e instanceof TransientException
            ? e.getMessage()
            : e.getClass().getSimpleName() + ": " + e.getMessage();
    if (e instanceof Error) {
      LOG.errorf(
          e,
          "ROTOR-2091 rotation %s, step %s, attempt %d ended with %s; it counts as a failed"
              + " attempt (of %d) and the worker goes on",
          rotation.rotationId,
          step,
          attempts,
          e.getClass().getSimpleName(),
          settings.maxAttempts());
    }
    if (attempts >= settings.maxAttempts()) {
      String gaveUp = "gave up after " + attempts + " attempts: " + message;
      if (rotation.status == RotationStatus.MERGED) {
        List<RotationInputRecord> inputs = store.inputs(rotation.rotationId, rotation.targetId);
        RotationFailedException refused =
            rollbackRefused(
                rotation,
                key,
                rollbackClusters(rotation, key.plan(), inputs),
                first(inputs, InputKind.ROLLBACK)
                    .or(() -> rejectedBeforeTheMerge(rotation, inputs))
                    .map(i -> i.detail)
                    .orElse(null),
                new RotationFailedException(Reasons.RotationFailure.ROLLBACK_FAILED, gaveUp));
        fail(rotation, key, refused.reason(), refused.getMessage());
      } else {
        fail(rotation, key, Reasons.RotationFailure.GIT_REFUSED, gaveUp);
      }
      return;
    }
    Instant next =
        e instanceof TransientException t && t.retryAt().isPresent()
            ? t.retryAt().get()
            : clock.instant().plus(backoff(attempts));
    store.retryAt(rotation.rotationId, attempts, next, message, seen, clock.instant());
    metrics.retried(step);
    if (e instanceof TransientException || e instanceof Error) {
      LOG.warnf(
          "ROTOR-2005 rotation %s, step %s, attempt %d: %s; next attempt at %s",
          rotation.rotationId, step, attempts, message, next);
    } else {
      LOG.errorf(
          e,
          "ROTOR-2006 rotation %s, step %s, attempt %d failed unexpectedly; next attempt at %s",
          rotation.rotationId,
          step,
          attempts,
          next);
    }
  }

  private Duration backoff(int attempts) {
    Duration wait = settings.initialBackoff().multipliedBy(1L << Math.min(attempts - 1, 20));
    return wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait;
  }

  private EntryValues entryValues(KeyGenerated key) {
    return key.plan().manifest().format() == ManifestFormat.SEALED_SECRET
        ? SealedEntryValues.of(key)
        : PlainEntryValues.open(key, setup.ageIdentities());
  }

  /** Events of a rotation get ids derived from its key.generated event: a replay repeats them. */
  private EventEnvelope event(RotationRecord rotation, RotorEvent data) {
    return EventEnvelope.causedBy(rotation.keyEventId, data, SOURCE, clock);
  }

  private static Optional<RotationInputRecord> first(
      List<RotationInputRecord> inputs, InputKind kind) {
    return inputs.stream().filter(i -> i.kind == kind).findFirst();
  }

  /** One-line text for messages. */
  static final class CommitText {
    private CommitText() {}

    static String flat(String text) {
      if (text == null) {
        return "";
      }
      String one = text.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
      return one.length() > 300 ? one.substring(0, 300) + "…" : one;
    }
  }
}
