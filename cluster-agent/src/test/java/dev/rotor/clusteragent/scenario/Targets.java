package dev.rotor.clusteragent.scenario;

import dev.rotor.common.plan.ManifestFormat;
import java.util.List;

/**
 * The targets of the test policy, one namespace per scenario so that scenarios do not see each
 * other's Deployments. The agent under test serves {@link #CLUSTER}.
 */
public final class Targets {
  /** The cluster the agent under test serves. */
  public static final String CLUSTER = "aether-staging";

  public static final String CANARY = "aether-canary";
  public static final String PRODUCTION = "aether-production";

  /** A target: namespace, Secret ({@code app-key} unless named), Deployments, format, stages. */
  public record Target(
      String namespace,
      ManifestFormat format,
      List<String> deployments,
      List<String> clusters,
      boolean window,
      boolean unreachableRepository,
      String secret) {

    public Target(
        String namespace,
        ManifestFormat format,
        List<String> deployments,
        List<String> clusters,
        boolean window,
        boolean unreachableRepository) {
      this(namespace, format, deployments, clusters, window, unreachableRepository, "app-key");
    }

    public String id() {
      return namespace + "/" + secret();
    }

    public String path() {
      return "deploy/" + namespace + "/secret-" + secret + ".yaml";
    }
  }

  public static final Target PAYMENTS =
      plain("payments", List.of("payments-api", "payments-worker"), List.of(CLUSTER, PRODUCTION));
  public static final Target VAULT =
      new Target(
          "vault",
          ManifestFormat.SEALED_SECRET,
          List.of("vault-reader", "vault-writer"),
          List.of(CLUSTER, PRODUCTION),
          false,
          false);
  public static final Target UNSEALED =
      new Target(
          "unsealed",
          ManifestFormat.SEALED_SECRET,
          List.of("reader"),
          List.of(CLUSTER),
          false,
          false);
  public static final Target UNSEALING = sealed("unsealing");
  public static final Target REWATCH = sealed("rewatch");
  public static final Target UNWATCHABLE = sealed("unwatchable");
  public static final Target FORBIDDEN = plain("forbidden", List.of("app"), List.of(CLUSTER));

  /** Its Deployment cannot be read: the agent's Role lost {@code get deployments}. */
  public static final Target UNREADABLE = plain("unreadable", List.of("app"), List.of(CLUSTER));

  public static final Target UNREADABLE_REPLAY =
      plain("unreadable-replay", List.of("app"), List.of(CLUSTER));

  public static final Target UNREADABLE_RESUMED =
      plain("unreadable-resumed", List.of("app"), List.of(CLUSTER));

  public static final Target MISSING = plain("missing", List.of("app", "ghost"), List.of(CLUSTER));
  public static final Target DEADLINE = plain("deadline", List.of("app"), List.of(CLUSTER));
  public static final Target STUCK = plain("stuck", List.of("app"), List.of(CLUSTER));
  public static final Target CONFLICT = plain("conflict", List.of("app"), List.of(CLUSTER));
  public static final Target DENIED = plain("denied", List.of("app"), List.of(CLUSTER));
  public static final Target GITLESS =
      new Target("gitless", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), false, true);
  public static final Target WATCH = plain("watch", List.of("app"), List.of(CLUSTER));

  /** Its Deployment cannot be watched: the agent's Role lost {@code watch deployments}. */
  public static final Target BLIND = plain("blind", List.of("app"), List.of(CLUSTER));

  /** A second stage here whose repository the agent cannot reach. */
  public static final Target GITLESS_SECOND =
      new Target(
          "gitless-second",
          ManifestFormat.SECRET,
          List.of("app"),
          List.of(CANARY, CLUSTER),
          false,
          true);

  /** Its manifest is in a repository reached over SSH (the agent's read-only deploy key). */
  public static final Target OVER_SSH = plain("over-ssh", List.of("app"), List.of(CLUSTER));

  public static final Target CRASH = plain("crash", List.of("app", "worker"), List.of(CLUSTER));
  public static final Target IDLE = plain("idle", List.of("app"), List.of(CLUSTER));
  public static final Target DECIDED = plain("decided", List.of("app"), List.of(CLUSTER));
  public static final Target HALF_DONE = plain("half-done", List.of("app"), List.of(CLUSTER));
  public static final Target GARBLED = plain("garbled", List.of("app"), List.of(CLUSTER));
  public static final Target REPLAY = plain("replay", List.of("app"), List.of(CLUSTER));
  public static final Target CROWDED = plain("crowded", List.of("app"), List.of(CLUSTER));
  public static final Target EVICTED = plain("evicted", List.of("app"), List.of(CLUSTER));
  public static final Target REFUSED_STATE =
      plain("refused-state", List.of("app"), List.of(CLUSTER));
  public static final Target LATE_ROLLBACK =
      plain("late-rollback", List.of("app"), List.of(CLUSTER));
  public static final Target OLD_ROLLBACK = plain("old-rollback", List.of("app"), List.of(CLUSTER));
  public static final Target ROLLBACK = plain("rollback", List.of("app"), List.of(CLUSTER));
  public static final Target SECOND_STAGE =
      plain("second", List.of("app"), List.of(CANARY, CLUSTER, PRODUCTION));
  public static final Target WINDOW =
      new Target(
          "window", ManifestFormat.SECRET, List.of("app"), List.of(CANARY, CLUSTER), true, false);
  public static final Target WINDOW_CANCELLED =
      new Target(
          "window-cancelled", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), true, false);
  public static final Target WINDOW_BEGUN =
      new Target(
          "window-begun", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), true, false);
  public static final Target WINDOW_RESUMED =
      new Target(
          "window-resumed", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), true, false);
  public static final Target WINDOW_ANNOUNCED =
      new Target(
          "window-announced", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), true, false);
  public static final Target WINDOW_KUBECTL =
      new Target(
          "window-kubectl", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), true, false);

  /** Two targets (two Secrets) whose stages restart the same Deployment, {@code shared/app}. */
  public static final Target SHARED_A =
      new Target(
          "shared", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), false, false, "key-a");

  public static final Target SHARED_B =
      new Target(
          "shared", ManifestFormat.SECRET, List.of("app"), List.of(CLUSTER), false, false, "key-b");

  public static final Target POISON = plain("poison", List.of("app"), List.of(CLUSTER));
  public static final Target ELSEWHERE =
      plain("elsewhere", List.of("app"), List.of(CANARY, PRODUCTION));

  /** A rotation rolled back before its stage here starts; the agent serves the second stage. */
  public static final Target ROLLED_BACK_FIRST =
      plain("rolled-back-first", List.of("app"), List.of(CANARY, CLUSTER, PRODUCTION));

  public static final Target ROLLBACK_RESTART =
      plain("rollback-restart", List.of("app"), List.of(CLUSTER));
  public static final Target ROLLBACK_UNRECORDED =
      plain("rollback-unrecorded", List.of("app"), List.of(CLUSTER));
  public static final Target ROLLBACK_UNLISTED =
      plain("rollback-unlisted", List.of("app"), List.of(CLUSTER));

  public static final Target TRACED = plain("traced", List.of("app"), List.of(CLUSTER));
  public static final Target TRACED_RESUME =
      plain("traced-resume", List.of("app", "worker"), List.of(CLUSTER));
  public static final Target UNTRACED = plain("untraced", List.of("app"), List.of(CLUSTER));

  public static final List<Target> ALL =
      List.of(
          PAYMENTS,
          OVER_SSH,
          VAULT,
          UNSEALED,
          UNSEALING,
          REWATCH,
          UNWATCHABLE,
          FORBIDDEN,
          UNREADABLE,
          UNREADABLE_REPLAY,
          UNREADABLE_RESUMED,
          MISSING,
          DEADLINE,
          STUCK,
          CONFLICT,
          DENIED,
          GITLESS,
          GITLESS_SECOND,
          WATCH,
          BLIND,
          CRASH,
          DECIDED,
          HALF_DONE,
          GARBLED,
          IDLE,
          REPLAY,
          OLD_ROLLBACK,
          CROWDED,
          EVICTED,
          REFUSED_STATE,
          LATE_ROLLBACK,
          ROLLBACK,
          SECOND_STAGE,
          WINDOW,
          WINDOW_BEGUN,
          WINDOW_RESUMED,
          WINDOW_ANNOUNCED,
          WINDOW_CANCELLED,
          WINDOW_KUBECTL,
          SHARED_A,
          SHARED_B,
          POISON,
          ELSEWHERE,
          ROLLED_BACK_FIRST,
          ROLLBACK_RESTART,
          ROLLBACK_UNLISTED,
          ROLLBACK_UNRECORDED,
          TRACED,
          TRACED_RESUME,
          UNTRACED);

  /** The maintenance window of the targets that have one: 02:00 to 03:00 UTC, every day. */
  public static final String WINDOW_START = "02:00";

  private Targets() {}

  private static Target sealed(String namespace) {
    return new Target(
        namespace, ManifestFormat.SEALED_SECRET, List.of("app"), List.of(CLUSTER), false, false);
  }

  private static Target plain(String namespace, List<String> deployments, List<String> clusters) {
    return new Target(namespace, ManifestFormat.SECRET, deployments, clusters, false, false);
  }
}
