package dev.rotor.verifier.soak;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.rotor.verifier.metrics.MetricKind;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a soak has seen so far, kept in its row as JSON: per metric and Deployment the checks, the
 * breaches and the current run of consecutive breaches; the proof read back from the cluster; what
 * each pod's log showed. A restarted verifier continues from it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class SoakProgress {
  /** Rounds of checks done. */
  public int rounds;

  /**
   * Metric checks done (a round may evaluate several scheduled checks a stopped verifier missed).
   */
  public int metricChecks;

  /** When the last metric check looked. */
  public Instant lastCheckAt;

  /** When the next metric check is due (the last one is at the soak's end). */
  public Instant nextMetricAt;

  /** Whether the check at the soak's end was done. */
  public boolean metricsDone;

  /** What the metrics source is, for the evidence. */
  public String metricsSource;

  /**
   * Whether the baseline was read (also when it found nothing, and when none applies): the source
   * answered. Until then the metric checks are held to the absolute bounds, and every round tries
   * again.
   */
  public boolean baselineRead;

  /** Times the source could not answer the baseline's queries. */
  public int baselineFailures;

  /** Why the source last could not answer them; null once it did. */
  public String baselineFailure;

  public Instant baselineFrom;

  public Instant baselineTo;

  /** The metrics source's own state (the direct scrape's counters). */
  public String sourceState;

  /** Per {@code <check>/<deployment>}. */
  public Map<String, Series> series = new TreeMap<>();

  /** Times the cluster was read. */
  public int proofChecks;

  /** Times the Secret held what it must. */
  public int secretOk;

  /** Times the pods could all be listed and none was stale. */
  public int podsOk;

  /**
   * Whether the last round could not list the pods (in full): the pods judged stay those of the
   * last listing that succeeded, and the stage cannot pass on it.
   */
  public boolean podsUnlisted;

  public String secretDetail;

  public String podsDetail;

  /** The primary key's fingerprint as read from the Secret. */
  public String observedFingerprint;

  /** The previous primary's fingerprint as read from the Secret, if it is still in the ring. */
  public String previousFingerprint;

  /** Per pod name. */
  public Map<String, PodLog> pods = new TreeMap<>();

  /** Whether the source could not answer the baseline's queries, and has not since. */
  public boolean baselineUnread() {
    return !baselineRead && baselineFailure != null;
  }

  /** The series of {@code kind} for {@code deployment}, created on first use. */
  public Series series(MetricKind kind, String deployment) {
    return series.computeIfAbsent(
        kind.check() + "/" + deployment,
        key -> {
          Series created = new Series();
          created.kind = kind;
          created.deployment = deployment;
          return created;
        });
  }

  /** One metric of one Deployment over the soak. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Series {
    public MetricKind kind;
    public String deployment;
    public String query;
    public int checks;
    public int withData;
    public int breaching;
    public int streak;
    public int longestStreak;
    public Double last;
    public Double max;
    public Double baseline;

    /**
     * The bound a value was compared with in the last check (the tighter of absolute and baseline).
     */
    public Double allowed;

    /** The value that made the stage fail, if this series did. */
    public Double failedAt;

    public String lastNote;

    /** Why the latest check without data had none. */
    public String noDataNote;
  }

  /** One pod's log over the soak. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class PodLog {
    public String deployment;

    /** Whether the pod was among the Deployments' pods at the last listing that succeeded. */
    public boolean present;

    /** Whether its log was read at least once. */
    public boolean read;

    public String problem;
    public Map<String, String> required = new TreeMap<>();
    public Map<String, String> forbidden = new TreeMap<>();

    /** Per container that restarted since the pod started: the most seen. */
    public Map<String, Restarts> restarts = new TreeMap<>();
  }

  /** A container's restarts, as its status reported them. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Restarts {
    public int count;
    public String lastReason;
    public Integer lastExitCode;
    public Instant lastFinishedAt;

    /**
     * Instances that ended without their log being seen: the count rose by more than one between
     * two rounds, and Kubernetes keeps only the last ended instance's log.
     */
    public int unseen;

    /**
     * Why its previous instance's log could not be read in the last round that tried; null: read.
     */
    public String previousLogUnread;
  }
}
