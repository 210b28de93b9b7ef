package dev.rotor.clusteragent.work;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.clusteragent.config.ClusterAgentConfig;
import dev.rotor.clusteragent.kubernetes.ApiErrors;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.Phase;
import dev.rotor.common.event.RotorEvent;
import dev.rotor.common.messaging.TraceContext;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The agent's durable state, in one ConfigMap of the cluster it serves ({@code
 * rotor.cluster-agent.state.*}): an entry per event it acted on, pending (the whole job, so that a
 * restarted agent resumes it: waiting for a maintenance window, or in the middle of a phase) or
 * done (its outcome, kept for {@code rotor.cluster-agent.state.retention} so that a redelivered or
 * replayed event is recognised). No key material is ever written here: events carry none.
 *
 * <p>Each write is a JSON merge patch of the entries it changes, and is retried until the API
 * server takes it: the agent does nothing it cannot record.
 */
@ApplicationScoped
public class JobJournal {
  private static final Logger LOG = Logger.getLogger(JobJournal.class);
  private static final ObjectMapper JSON = EventCodec.mapper();
  private static final String KEY_PREFIX = "job.";

  /**
   * The data key that holds the newest end of the ended jobs forgotten early (to keep within {@code
   * state.max-bytes}): the journal remembers nothing that ended before it.
   */
  private static final String FORGOTTEN_UNTIL = "forgotten-until";

  /**
   * How long an ended job is kept at the least, even past {@code state.max-bytes}: a redelivery (a
   * consumer group rebalance, a restart before the offset was committed) comes within minutes.
   */
  private static final java.time.Duration KEPT_AT_LEAST = java.time.Duration.ofHours(1);

  /** The id of the entry that records a rotation as rolled back. */
  private static final String ROLLED_BACK = "rolled-back:";

  private final KubernetesClient client;
  private final ClusterAgentConfig config;
  private final Clock clock;
  private final AgentMetrics metrics;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Entry> entries = new HashMap<>();

  /**
   * The rotations recorded as rolled back, readable without the lock (which a write holds while the
   * API server answers): the coordinator asks under its own monitor.
   */
  private final Set<String> rolledBack = ConcurrentHashMap.newKeySet();

  // Bytes (key and value) of each of this agent's entries, and of everything else in the data.
  private final Map<String, Integer> sizes = new HashMap<>();
  private long otherBytes;
  private Instant lastBudgetWarning;
  private Instant forgottenUntil;

  /**
   * The limit the API server named when it refused the ConfigMap as too long ({@code Too long: must
   * have at most N bytes}), or null if it never did since the journal was loaded: a limit lower
   * than {@code state.max-bytes} allows for (a policy engine's, or a smaller server's) lowers the
   * budget.
   */
  private Long serverLimit;

  private volatile boolean loaded;

  JobJournal(
      KubernetesClient client, ClusterAgentConfig config, Clock clock, AgentMetrics metrics) {
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** {@code <namespace>/<name>} of the state ConfigMap. */
  public String location() {
    return namespace() + "/" + config.state().configMap();
  }

  /** Whether the journal was read since the last {@link #load()}. */
  public boolean isLoaded() {
    return loaded;
  }

  /**
   * Reads the journal from the cluster (creating the ConfigMap if it is absent and the agent may),
   * retrying until it can, and returns the pending jobs, oldest first.
   *
   * @throws AgentStopped if the agent stops meanwhile
   */
  public List<Job> load() {
    lock.lock();
    try {
      loaded = false;
      entries.clear();
      rolledBack.clear();
      sizes.clear();
      otherBytes = 0;
      forgottenUntil = null;
      serverLimit = null;
      ConfigMap state =
          retrying("read the state ConfigMap " + location(), this::readOrCreate, false);
      List<Job> pending = new ArrayList<>();
      Map<String, String> data = state.getData() == null ? Map.of() : state.getData();
      for (Map.Entry<String, String> item : data.entrySet()) {
        if (!item.getKey().startsWith(KEY_PREFIX)) {
          continue;
        }
        try {
          Entry entry = parse(item.getValue());
          if (!config.cluster().equals(entry.cluster())) {
            continue;
          }
          sizes.put(item.getKey(), size(item.getKey(), item.getValue()));
          remember(item.getKey(), entry);
          if (entry.job() != null) {
            pending.add(entry.job());
          }
        } catch (IOException | RuntimeException e) {
          LOG.errorf(
              "ROTOR-3050 state ConfigMap %s: entry %s is unreadable (%s); ignoring it",
              location(), item.getKey(), e.getClass().getSimpleName());
        }
      }
      resync(state);
      pending.sort(Comparator.comparing(job -> job.cause().time()));
      prune();
      // A rollout of a rotation that was rolled back while it waited or ran (the cancellation
      // was held in memory only): it must not resume after a restart. One that may have applied
      // a phase stays recorded until a rollback of its rotation is taken in: the agent may have
      // stopped between recording the rotation as rolled back and recording the rollback job, and
      // the manifest.rolled-back read again (it need not list this cluster) must still find that
      // this cluster has something to roll back (Intake.rollBack, Coordinator.endHeldRollouts).
      Set<String> rollingBack =
          pending.stream()
              .filter(job -> job.kind() == Job.Kind.ROLLBACK)
              .map(Job::rotationId)
              .collect(Collectors.toSet());
      List<Job> cancelled =
          pending.stream()
              .filter(job -> job.kind() == Job.Kind.ROLLOUT && isRolledBack(job.rotationId()))
              .toList();
      for (Job job : cancelled) {
        if (job.mayHaveApplied() && !rollingBack.contains(job.rotationId())) {
          LOG.warnf(
              "ROTOR-3060 rotation %s was rolled back after its rollout here (%s) began, and no"
                  + " rollback of it is recorded: the rollout does not resume, and stays recorded"
                  + " until the rotation's manifest.rolled-back, read again, rolls this cluster"
                  + " back",
              job.rotationId(), job.id());
          continue;
        }
        LOG.infof(
            "ROTOR-3054 rotation %s was rolled back: its pending rollout (%s) does not resume",
            job.rotationId(), job.id());
        done(job.id(), job.kind(), "cancelled: the rotation is rolled back");
      }
      pending.removeAll(cancelled);
      loaded = true;
      return pending;
    } finally {
      lock.unlock();
    }
  }

  /** Whether event {@code eventId} was accepted before (pending or done). */
  public boolean knows(String eventId) {
    lock.lock();
    try {
      return entries.containsKey(key(eventId));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records that rotation {@code rotationId} is rolled back (its {@code manifest.rolled-back} was
   * read), whether or not this cluster has anything to roll back, so that none of its rollouts
   * starts or resumes here later, after a restart too. Kept as long as an ended job.
   */
  public void rolledBack(String rotationId, String eventId) {
    if (!isRolledBack(rotationId)) {
      write(
          new Entry(
              ROLLED_BACK + rotationId,
              Job.Kind.ROLLBACK,
              config.cluster(),
              "rolled back by " + eventId,
              clock.instant(),
              null));
    }
  }

  /** Whether rotation {@code rotationId} was recorded as rolled back. Never waits for the lock. */
  public boolean isRolledBack(String rotationId) {
    return rolledBack.contains(rotationId);
  }

  /** The pending rollouts of rotation {@code rotationId}. */
  public List<Job> pendingRollouts(String rotationId) {
    lock.lock();
    try {
      return entries.values().stream()
          .map(Entry::job)
          .filter(Objects::nonNull)
          .filter(job -> job.kind() == Job.Kind.ROLLOUT && rotationId.equals(job.rotationId()))
          .toList();
    } finally {
      lock.unlock();
    }
  }

  /** The pending job of event {@code eventId}, if any. */
  public Optional<Job> pending(String eventId) {
    lock.lock();
    try {
      Entry entry = entries.get(key(eventId));
      return entry == null ? Optional.empty() : Optional.ofNullable(entry.job());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether a new stage may be taken in: what cannot be forgotten early (pending jobs, this one
   * included, and the ended entries {@link #forgettableEarly} keeps) fills at most three quarters
   * of {@code state.max-bytes}. The last quarter is for the progress the running jobs record (their
   * events) and for rollbacks, which are always taken in: a rollback is never refused for want of
   * room. Other ended jobs do not count; they are forgotten early when room is needed.
   */
  public boolean hasRoomFor(Job job) {
    lock.lock();
    try {
      Instant keptFrom = clock.instant().minus(KEPT_AT_LEAST);
      long pending =
          sizes.entrySet().stream()
              .filter(e -> !forgettableEarly(entries.get(e.getKey()), keptFrom))
              .mapToLong(Map.Entry::getValue)
              .sum();
      String key = key(job.id());
      int size =
          size(
              key,
              render(
                  new Entry(job.id(), job.kind(), config.cluster(), null, clock.instant(), job)));
      return otherBytes + pending + size <= budget() * 3 / 4;
    } catch (IOException e) {
      throw new IllegalStateException("cannot render a journal entry", e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * From when the journal remembers ended jobs: {@code state.retention} ago, or later once ended
   * jobs were forgotten early to keep within {@code state.max-bytes}. A job that ended before is
   * forgotten; one that ended since is known (pending jobs are never forgotten).
   */
  public Instant rememberedSince() {
    lock.lock();
    try {
      Instant retained = clock.instant().minus(config.state().retention());
      return forgottenUntil != null && forgottenUntil.isAfter(retained) ? forgottenUntil : retained;
    } finally {
      lock.unlock();
    }
  }

  /** The bytes the state ConfigMap's data holds, as this agent last wrote or read it. */
  public long bytes() {
    lock.lock();
    try {
      return otherBytes + sizes.values().stream().mapToLong(Integer::longValue).sum();
    } finally {
      lock.unlock();
    }
  }

  /** Records {@code job} as pending (new, or its progress). */
  public void put(Job job) {
    write(new Entry(job.id(), job.kind(), config.cluster(), null, clock.instant(), job));
  }

  /**
   * Records {@code job} as ended with {@code outcome} if the journal still holds it pending exactly
   * as given: not if it ended meanwhile (its own outcome stays) or recorded progress since.
   *
   * @return whether it was recorded as ended
   */
  public boolean doneIfUnchanged(Job job, String outcome) {
    lock.lock();
    try {
      Entry entry = entries.get(key(job.id()));
      if (entry == null || !job.equals(entry.job())) {
        return false;
      }
      done(job.id(), job.kind(), outcome);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Records the job of event {@code eventId} as ended with {@code outcome}. */
  public void done(String eventId, Job.Kind kind, String outcome) {
    write(new Entry(eventId, kind, config.cluster(), outcome, clock.instant(), null));
  }

  /**
   * Writes {@code entry}, with the removals that keep the ConfigMap within its budget. When the API
   * server refuses the ConfigMap (HTTP 422 or 413: too long, or a policy's denial), the write is
   * planned again after a pause, not sent again: the ConfigMap is read back (other writers may have
   * filled it), and a limit the server named lowers the budget until the journal is loaded again.
   * During the pause the lock is released (unless the caller holds it too, as the start-up does),
   * so other jobs go on, and an hour on, what ended now may be forgotten for the room.
   */
  private void write(Entry entry) {
    Backoff backoff = null;
    while (true) {
      lock.lock();
      try {
        Map<String, String> changes = new LinkedHashMap<>();
        String key = key(entry.id());
        String value = render(entry);
        changes.put(key, value);
        Instant horizon = clock.instant().minus(config.state().retention());
        entries.forEach(
            (other, existing) -> {
              if (!other.equals(key) && existing.job() == null && existing.at().isBefore(horizon)) {
                changes.put(other, null);
              }
            });
        Room room = makeRoom(key, size(key, value), changes);
        Instant forgetting = room.forgottenUntil();
        if (forgetting != null && (forgottenUntil == null || forgetting.isAfter(forgottenUntil))) {
          changes.put(FORGOTTEN_UNTIL, forgetting.toString());
        }
        try {
          ConfigMap written = patch("write the state ConfigMap " + location(), changes, true);
          remember(key, entry);
          sizes.put(key, size(key, value));
          resync(written);
          return;
        } catch (Refused e) {
          metrics.stateWriteRefused(e.limit != null);
          if (e.limit != null) {
            serverLimit = serverLimit == null ? e.limit : Math.min(serverLimit, e.limit);
            LOG.errorf(
                "ROTOR-3059 cannot write the state ConfigMap %s: %s. It would have held %d bytes"
                    + " (keys and values); the budget is now %d bytes (state.max-bytes %d)."
                    + " Planning the write again after a pause. If this repeats, nothing that"
                    + " ended over an hour ago is left to forget: let pending stages run or end"
                    + " them, or lift the limit (docs/cluster-agent.md, Size)",
                location(), e.getMessage(), room.bytes(), budget(), config.state().maxBytes());
          } else {
            LOG.errorf(
                "ROTOR-3059 cannot write the state ConfigMap %s: %s. The API server named no"
                    + " size limit, so the budget stays %d bytes; trying again after a pause"
                    + " until what refuses the write (an admission policy, an immutable"
                    + " ConfigMap) lets it through",
                location(), e.getMessage(), budget());
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot render a journal entry", e);
      } finally {
        lock.unlock();
      }
      backoff =
          backoff == null
              ? new Backoff(config.retry().initialBackoff(), config.retry().maxBackoff())
              : backoff;
      Pauses.pause(backoff.next());
      lock.lock();
      try {
        resync(retrying("read the state ConfigMap " + location(), this::readOrCreate, false));
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * The bytes the journal keeps the ConfigMap within: {@code state.max-bytes}, or 7/8 of the limit
   * the API server named when it refused the ConfigMap, if that is less (the same headroom as the
   * default budget leaves under 1 MiB; the journal counts keys too, the server values only).
   */
  private long budget() {
    long configured = config.state().maxBytes();
    return serverLimit == null ? configured : Math.min(configured, serverLimit * 7 / 8);
  }

  /** How the API server names its limit when it refuses a ConfigMap as too long. */
  private static final Pattern LIMIT_NAMED =
      Pattern.compile("Too long: (?:must have at most|may not be more than) (\\d{1,10}) bytes");

  /**
   * The API server refused a write of the ConfigMap as invalid (422) or too large (413): the write
   * is planned again, not sent again.
   */
  private static final class Refused extends RuntimeException {
    /** The limit the server named, if it named one. */
    final Long limit;

    Refused(String message) {
      super(message, null, false, false);
      this.limit = limitNamedIn(message);
    }
  }

  /** The size limit an API server's refusal names, or null if it names none. */
  private static Long limitNamedIn(String message) {
    Matcher named = LIMIT_NAMED.matcher(message);
    return named.find() ? Long.valueOf(named.group(1)) : null;
  }

  /**
   * Writes {@code changes} (a null value removes its key) as one JSON merge patch, retrying until
   * the API server takes it, and forgets the removed entries here.
   *
   * @return the ConfigMap as the API server holds it now
   */
  private ConfigMap patch(String what, Map<String, String> changes, boolean tooLargeEnds) {
    ObjectNode patch = JSON.createObjectNode();
    ObjectNode data = patch.putObject("data");
    changes.forEach(
        (k, v) -> {
          if (v == null) {
            data.putNull(k);
          } else {
            data.put(k, v);
          }
        });
    PatchContext context = PatchContext.of(PatchType.JSON_MERGE);
    context.setFieldManager(config.apply().fieldManager());
    ConfigMap written =
        retrying(
            what,
            () ->
                client
                    .configMaps()
                    .inNamespace(namespace())
                    .withName(config.state().configMap())
                    .patch(context, patch.toString()),
            tooLargeEnds);
    changes.forEach(
        (k, v) -> {
          if (v == null) {
            Entry removed = entries.remove(k);
            if (removed != null && removed.id().startsWith(ROLLED_BACK)) {
              rolledBack.remove(removed.id().substring(ROLLED_BACK.length()));
            }
            sizes.remove(k);
          }
        });
    return written;
  }

  private void remember(String key, Entry entry) {
    entries.put(key, entry);
    if (entry.id().startsWith(ROLLED_BACK)) {
      rolledBack.add(entry.id().substring(ROLLED_BACK.length()));
    }
  }

  /** Forgets ended jobs older than the retention. */
  private void prune() {
    Instant horizon = clock.instant().minus(config.state().retention());
    // A rotation's rolled-back record stays while a rollout of it is still recorded (one the
    // start-up held back, see load): without it, that rollout would resume at a later start.
    Set<String> stillRecorded =
        entries.values().stream()
            .map(Entry::job)
            .filter(job -> job != null && job.kind() == Job.Kind.ROLLOUT)
            .map(job -> ROLLED_BACK + job.rotationId())
            .collect(Collectors.toSet());
    List<String> expired =
        entries.entrySet().stream()
            .filter(e -> e.getValue().job() == null && e.getValue().at().isBefore(horizon))
            .filter(e -> !stillRecorded.contains(e.getValue().id()))
            .map(Map.Entry::getKey)
            .toList();
    if (expired.isEmpty()) {
      return;
    }
    Map<String, String> removals = new LinkedHashMap<>();
    expired.forEach(k -> removals.put(k, null));
    resync(patch("prune the state ConfigMap " + location(), removals, false));
    LOG.debugf("forgot %d ended jobs older than %s", expired.size(), config.state().retention());
  }

  /**
   * Adds to {@code changes} the removal of the oldest ended jobs, within their retention, while the
   * ConfigMap would otherwise hold more than {@code state.max-bytes} once {@code key} holds {@code
   * size} bytes. A replay of a job forgotten early is still recognised by the Deployments' marks: a
   * later rotation's, or its own from before {@link #rememberedSince()} (docs/cluster-agent.md,
   * rules 3 and 4); beyond that a phase restarts no Deployment that carries its mark (rule 2).
   * Logged at warn at most once an hour; at debug in between.
   *
   * @return when the newest of the ended jobs forgotten now had ended (null if none is), and the
   *     bytes the ConfigMap holds once {@code changes} are written
   */
  private Room makeRoom(String key, int size, Map<String, String> changes) {
    // What the ConfigMap would hold: with room for forgotten-until, which forgetting may write.
    long after = otherBytes + size + (forgottenUntil == null ? FORGOTTEN_UNTIL_BYTES : 0);
    for (Map.Entry<String, Integer> other : sizes.entrySet()) {
      if (!other.getKey().equals(key) && !changes.containsKey(other.getKey())) {
        after += other.getValue();
      }
    }
    long budget = budget();
    if (after <= budget) {
      return new Room(null, after);
    }
    Instant keptFrom = clock.instant().minus(KEPT_AT_LEAST);
    List<Map.Entry<String, Entry>> ended =
        entries.entrySet().stream()
            .filter(e -> !e.getKey().equals(key) && !changes.containsKey(e.getKey()))
            .filter(e -> forgettableEarly(e.getValue(), keptFrom))
            .sorted(Comparator.comparing(e -> e.getValue().at()))
            .toList();
    int forgotten = 0;
    Instant oldest = null;
    Instant newest = null;
    for (Map.Entry<String, Entry> old : ended) {
      if (after <= budget) {
        break;
      }
      changes.put(old.getKey(), null);
      after -= sizes.get(old.getKey());
      oldest = oldest == null ? old.getValue().at() : oldest;
      newest = old.getValue().at();
      forgotten++;
    }
    Instant now = clock.instant();
    boolean warn = lastBudgetWarning == null || !now.isBefore(lastBudgetWarning.plusSeconds(3600));
    if (forgotten > 0 && warn) {
      lastBudgetWarning = now;
      LOG.warnf(
          "ROTOR-3059 state ConfigMap %s is at its budget (%d bytes): forgetting %d"
              + " ended jobs before their retention, the oldest ended at %s",
          location(), budget, forgotten, oldest);
    } else if (forgotten > 0) {
      LOG.debugf(
          "ROTOR-3059 state ConfigMap %s: forgetting %d ended jobs before their retention",
          location(), forgotten);
    }
    if (after > budget) {
      LOG.errorf(
          "ROTOR-3059 state ConfigMap %s would hold %d bytes, over state.max-bytes %d, with"
              + " nothing ended left to forget: writing it anyway (the API server refuses a"
              + " ConfigMap over 1 MiB)",
          location(), after, budget);
    }
    return new Room(newest, after);
  }

  /** What {@link #makeRoom} planned. */
  private record Room(Instant forgottenUntil, long bytes) {}

  /** The most bytes {@code forgotten-until} holds (key and an ISO-8601 time in nanoseconds). */
  private static final int FORGOTTEN_UNTIL_BYTES = FORGOTTEN_UNTIL.length() + 32;

  /**
   * Whether an entry may be forgotten before its retention: an ended job that ended before {@code
   * keptFrom}. Never a rotation's rolled-back record (no mark stands for it on a cluster that never
   * ran the rotation, and it keeps the rotation's later stages from starting here) nor a refusal
   * (it restarted nothing, so no mark would recognise its event again).
   */
  private static boolean forgettableEarly(Entry entry, Instant keptFrom) {
    return entry.job() == null
        && !entry.id().startsWith(ROLLED_BACK)
        && (entry.outcome() == null || !entry.outcome().startsWith("refused"))
        && entry.at().isBefore(keptFrom);
  }

  /**
   * Takes the byte count of everything but this agent's entries, and {@code forgotten-until}, from
   * the ConfigMap as the API server returned it: other agents sharing the ConfigMap, or anyone
   * else, may have written since.
   */
  private void resync(ConfigMap state) {
    Map<String, String> data =
        state == null || state.getData() == null ? Map.of() : state.getData();
    long total = 0;
    long ours = 0;
    for (Map.Entry<String, String> item : data.entrySet()) {
      total += size(item.getKey(), item.getValue());
      if (sizes.containsKey(item.getKey())) {
        ours += sizes.get(item.getKey());
      }
    }
    if (state != null && state.getBinaryData() != null) {
      // Base64 in JSON; the server counts the bytes (3 for every 4 characters).
      for (Map.Entry<String, String> item : state.getBinaryData().entrySet()) {
        String value = item.getValue();
        total += item.getKey().length() + (value == null ? 0 : value.length() * 3L / 4);
      }
    }
    otherBytes = total - ours;
    String until = data.get(FORGOTTEN_UNTIL);
    if (until != null) {
      try {
        Instant read = Instant.parse(until);
        forgottenUntil =
            forgottenUntil == null || read.isAfter(forgottenUntil) ? read : forgottenUntil;
      } catch (RuntimeException e) {
        LOG.errorf(
            "ROTOR-3050 state ConfigMap %s: %s is not a time; ignoring it",
            location(), FORGOTTEN_UNTIL);
      }
    }
  }

  private static int size(String key, String value) {
    return key.length() + (value == null ? 0 : value.getBytes(StandardCharsets.UTF_8).length);
  }

  private ConfigMap readOrCreate() {
    ConfigMap state =
        client.configMaps().inNamespace(namespace()).withName(config.state().configMap()).get();
    if (state != null) {
      return state;
    }
    LOG.infof("ROTOR-3050 state ConfigMap %s does not exist: creating it", location());
    return client
        .configMaps()
        .inNamespace(namespace())
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(config.state().configMap())
                .withNamespace(namespace())
                .addToLabels("app.kubernetes.io/name", "rotor-cluster-agent")
                .addToLabels("app.kubernetes.io/part-of", "rotor")
                .endMetadata()
                .build())
        .create();
  }

  /**
   * Calls {@code call} until it succeeds, pausing between attempts.
   *
   * @param tooLargeEnds whether a refusal of the ConfigMap as invalid or too large (HTTP 422 or
   *     413) ends the attempts with {@link Refused}, for the caller to plan its write again
   */
  private <T> T retrying(String what, Supplier<T> call, boolean tooLargeEnds) {
    Backoff backoff = new Backoff(config.retry().initialBackoff(), config.retry().maxBackoff());
    while (true) {
      Pauses.checkRunning();
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw new AgentStopped();
        }
        if (ApiErrors.isTransient(e)) {
          LOG.warnf("ROTOR-3040 cannot %s, retrying: %s", what, ApiErrors.describe(e));
        } else if ((e.getCode() == 422 || e.getCode() == 413) && tooLargeEnds) {
          throw new Refused(ApiErrors.describe(e));
        } else if (e.getCode() == 422 || e.getCode() == 413) {
          metrics.stateWriteRefused(limitNamedIn(ApiErrors.describe(e)) != null);
          LOG.errorf(
              "ROTOR-3059 cannot %s: %s. The API server refuses a ConfigMap over 1 MiB: lower"
                  + " state.max-bytes (now %d), or let pending stages run; retrying",
              what, ApiErrors.describe(e), config.state().maxBytes());
        } else {
          LOG.errorf(
              "ROTOR-3050 cannot %s: %s. The agent needs get and patch on this ConfigMap"
                  + " (deploy/k8s/cluster-agent); retrying",
              what, ApiErrors.describe(e));
        }
        Pauses.pause(backoff.next());
      }
    }
  }

  private String namespace() {
    return config
        .state()
        .namespace()
        .orElseGet(
            () -> {
              String namespace = client.getConfiguration().getNamespace();
              return namespace == null || namespace.isBlank() ? "rotor" : namespace;
            });
  }

  static String key(String eventId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(eventId.getBytes(StandardCharsets.UTF_8));
      return KEY_PREFIX + HexFormat.of().formatHex(digest).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String render(Entry entry) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", entry.id());
    node.put("kind", entry.kind().name());
    node.put("cluster", entry.cluster());
    node.put("at", entry.at().toString());
    if (entry.job() == null) {
      node.put("state", "DONE");
      node.put("outcome", entry.outcome());
      return JSON.writeValueAsString(node);
    }
    Job job = entry.job();
    node.put("state", "PENDING");
    if (job.notBefore() != null) {
      node.put("notBefore", job.notBefore().toString());
    }
    node.put("waitingAnnounced", job.waitingAnnounced());
    ArrayNode phases = node.putArray("phasesDone");
    job.phasesDone().stream().sorted().forEach(phase -> phases.add(phase.id()));
    ObjectNode cause = node.putObject("cause");
    EventEnvelope event = job.cause();
    cause.put("type", event.type().cloudEventType());
    cause.put("source", event.source());
    cause.put("time", event.time().toString());
    JsonNode causeData = JSON.readTree(EventCodec.encode(event.data()));
    cause.set("data", causeData);
    if (!job.sent().isEmpty()) {
      ArrayNode sent = node.putArray("sent");
      for (EventEnvelope out : job.sent()) {
        ObjectNode item = sent.addObject();
        item.put("id", out.id());
        item.put("type", out.type().cloudEventType());
        item.put("source", out.source());
        item.put("time", out.time().toString());
        ObjectNode data = (ObjectNode) JSON.readTree(EventCodec.encode(out.data()));
        // The plan is the cause's (the ConfigMap holds every pending job: keep each one small).
        if (data.path("plan").equals(causeData.path("plan"))) {
          data.remove("plan");
        }
        item.set("data", data);
      }
    }
    if (job.trace() != null) {
      node.put(TraceContext.TRACEPARENT, job.trace().traceparent());
      if (job.trace().tracestate() != null) {
        node.put(TraceContext.TRACESTATE, job.trace().tracestate());
      }
    }
    return JSON.writeValueAsString(node);
  }

  private static Entry parse(String text) throws IOException {
    JsonNode node = JSON.readTree(text);
    String id = node.path("id").asText();
    Job.Kind kind = Job.Kind.valueOf(node.path("kind").asText());
    String cluster = node.path("cluster").asText();
    Instant at = Instant.parse(node.path("at").asText());
    if ("DONE".equals(node.path("state").asText())) {
      return new Entry(id, kind, cluster, node.path("outcome").asText(), at, null);
    }
    JsonNode cause = node.path("cause");
    EventType type =
        EventType.fromCloudEventType(cause.path("type").asText())
            .orElseThrow(() -> new IllegalArgumentException("unknown event type"));
    RotorEvent data = EventCodec.decode(type, JSON.writeValueAsBytes(cause.path("data")));
    EventEnvelope event =
        new EventEnvelope(
            id,
            type,
            cause.path("source").asText(),
            data.subject(),
            data.rotationId(),
            Instant.parse(cause.path("time").asText()),
            data);
    Set<Phase> phases = EnumSet.noneOf(Phase.class);
    node.path("phasesDone").forEach(phase -> phases.add(Phase.of(phase.asText())));
    Instant notBefore =
        node.hasNonNull("notBefore") ? Instant.parse(node.path("notBefore").asText()) : null;
    TraceContext.Stored trace =
        TraceContext.of(
            node.path(TraceContext.TRACEPARENT).asText(null),
            node.path(TraceContext.TRACESTATE).asText(null));
    List<EventEnvelope> sent = sentEvents(id, node.path("sent"), cause.path("data").path("plan"));
    Job job =
        new Job(
            kind, event, notBefore, node.path("waitingAnnounced").asBoolean(), phases, trace, sent);
    return new Entry(id, kind, cluster, null, at, job);
  }

  /**
   * The events a pending job recorded. Unreadable ones (a newer agent's, say) are dropped with a
   * warning rather than the whole job: its step then runs again, as before events were recorded.
   */
  private static List<EventEnvelope> sentEvents(String id, JsonNode items, JsonNode causePlan) {
    List<EventEnvelope> sent = new ArrayList<>();
    try {
      for (JsonNode item : items) {
        EventType type =
            EventType.fromCloudEventType(item.path("type").asText())
                .orElseThrow(() -> new IllegalArgumentException("unknown event type"));
        ObjectNode data = item.path("data").deepCopy();
        if (!data.has("plan")) {
          data.set("plan", causePlan);
        }
        RotorEvent decoded = EventCodec.decode(type, JSON.writeValueAsBytes(data));
        sent.add(
            new EventEnvelope(
                item.path("id").asText(),
                type,
                item.path("source").asText(),
                decoded.subject(),
                decoded.rotationId(),
                Instant.parse(item.path("time").asText()),
                decoded));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warnf(
          "ROTOR-3050 journal entry of %s: its recorded events are unreadable (%s); the job resumes"
              + " without them",
          id, e.getClass().getSimpleName());
      return List.of();
    }
    return sent;
  }

  /** One journal entry: a pending job, or the outcome of an ended one. */
  private record Entry(
      String id, Job.Kind kind, String cluster, String outcome, Instant at, Job job) {}
}
