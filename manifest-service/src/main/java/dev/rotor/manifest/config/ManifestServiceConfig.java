package dev.rotor.manifest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Configuration of the manifest-service ({@code rotor.manifest-service.*}). */
@ConfigMapping(prefix = "rotor.manifest-service")
public interface ManifestServiceConfig {

  /**
   * Directory of the working-copy cache: one bare clone per repository URL. Must be writable; give
   * each instance of the service its own.
   */
  @WithDefault("${java.io.tmpdir}/rotor-manifest-service/git")
  Path cacheDir();

  /**
   * age identity file ({@code age-keygen} output) that opens the key handed over for manifests of
   * format {@code secret}. Needed only when a policy allows plaintext in Git; never logged.
   */
  Optional<Path> ageIdentityFile();

  /** How Rotor talks to Git. */
  Git git();

  /** Review rules common to every provider. */
  Review review();

  /** The {@code local} review provider (approvals from {@code rotor.approvals}). */
  Local local();

  /** The {@code github} review provider (pull requests). */
  GitHub github();

  /** The worker that drives each rotation through its steps. */
  Worker worker();

  /** The outbox of events written but not yet acknowledged by Kafka. */
  Outbox outbox();

  /** The sealed key each rotation keeps while it is in flight. */
  KeyMaterial keyMaterial();

  /** Git settings. */
  interface Git {
    /** Committer name of every commit Rotor writes (the author is the requester). */
    @WithDefault("Rotor")
    String committerName();

    /** Committer e-mail of every commit Rotor writes. */
    @WithDefault("rotor@rotor.invalid")
    String committerEmail();

    /** Domain of the author e-mail when the requester is a name, not an e-mail address. */
    @WithDefault("users.rotor.invalid")
    String authorEmailDomain();

    /** Timeout of one fetch or push. */
    @WithDefault("PT60S")
    Duration timeout();

    /** How often a merge or rollback rebases and pushes again when the default branch moved. */
    @WithDefault("5")
    int pushAttempts();

    /**
     * Most rotations one worker round takes on at once. Due rotations of the same repository and
     * branch share Git rounds: one fetch and one push for all their proposals, one fetch and one
     * push of the default branch for all their merges. 1 works on one rotation at a time.
     */
    @WithDefault("100")
    int batchSize();

    /** How many commits back Rotor looks for its trailers (its own earlier commits). */
    @WithDefault("2000")
    int historyDepth();

    /** Whether Rotor deletes a rotation's branch after it merged it itself. */
    @WithDefault("true")
    boolean deleteMergedBranches();

    /** Credentials for repositories that no {@code repositories} entry matches. */
    Credentials defaultCredentials();

    /** Credentials per repository URL prefix; the longest matching prefix wins. */
    Optional<List<RepositoryCredentials>> repositories();

    /** Git over SSH ({@code ssh://} and {@code git@host:path} URLs). */
    Ssh ssh();
  }

  /** Settings of every SSH repository. */
  interface Ssh {
    /**
     * known_hosts file (OpenSSH format, e.g. {@code ssh-keyscan github.com} output whose
     * fingerprints were checked) with the host keys of the SSH Git servers. Required for SSH
     * repositories: a server whose host key is not in it, or differs, is refused. Nothing else (no
     * {@code ~/.ssh}) is consulted, and the file is never written.
     */
    Optional<Path> knownHostsFile();
  }

  /**
   * HTTPS credentials (a user and a password, or a token) or, for SSH URLs, a private key (a deploy
   * key) from a mounted file.
   */
  interface Credentials {
    /** User name; with a token it defaults to {@code x-access-token} (GitHub's convention). */
    Optional<String> username();

    /** Password (with {@code username}); never logged. */
    Optional<String> password();

    /** Access token, sent as the password; never logged. */
    Optional<String> token();

    /**
     * Private key file (OpenSSH or PEM) for SSH repositories, e.g. a deploy key mounted from a
     * Secret; public-key authentication only. Its content is never logged.
     */
    Optional<Path> sshKeyFile();

    /** File holding the passphrase of {@code ssh-key-file}, if the key is encrypted. */
    Optional<Path> sshKeyPassphraseFile();
  }

  /** Credentials for the repositories whose clone URL starts with {@code url-prefix}. */
  interface RepositoryCredentials extends Credentials {
    /**
     * URL prefix, e.g. {@code https://github.com/aether/}, or for an SSH key {@code
     * ssh://git@github.com/aether/gitops} or {@code git@github.com:aether/gitops}.
     */
    String urlPrefix();
  }

  /** Review settings. */
  interface Review {
    /** How long a proposal waits for a decision before the rotation fails (REVIEW_REJECTED). */
    @WithDefault("P7D")
    Duration timeout();
  }

  /** The local review provider. */
  interface Local {
    /**
     * Members of each team the policies name in {@code approvals.teams}, e.g. {@code
     * rotor.manifest-service.local.teams.security=bob,carol}. Approvals from people outside every
     * team of the plan do not count; a team without members here counts nobody.
     */
    Map<String, List<String>> teams();
  }

  /** The GitHub review provider. */
  interface GitHub {
    /** Base URL of GitHub's REST API (GitHub Enterprise: {@code https://<host>/api/v3}). */
    @WithDefault("https://api.github.com")
    String apiUrl();

    /** Token of Rotor's GitHub identity (pull requests, reviews, merges); never logged. */
    Optional<String> token();

    /**
     * Secret of the webhook ({@code X-Hub-Signature-256}); without it the webhook endpoint is off
     * and Rotor relies on polling.
     */
    Optional<String> webhookSecret();

    /** How often an open pull request is checked for reviews and its merge state. */
    @WithDefault("PT1M")
    Duration pollInterval();

    /** How Rotor merges an approved pull request: {@code merge} or {@code rebase}. */
    @WithDefault("merge")
    String mergeMethod();

    /** The longest wait for a rate limit to reset inside one step; longer waits reschedule. */
    @WithDefault("PT60S")
    Duration maxRateLimitWait();

    /** Timeout of one request to GitHub. */
    @WithDefault("PT15S")
    Duration requestTimeout();
  }

  /** The worker. */
  interface Worker {
    /** How often the worker looks for due work (new events wake it at once). */
    @WithDefault("PT5S")
    Duration interval();

    /**
     * How long a rotation an instance works on stays its own without a renewal; the instance renews
     * it every third of this while it works, so a killed instance's rotations are taken up after at
     * most this long.
     */
    @WithDefault("PT30S")
    Duration lease();

    /** Attempts of a step that keeps failing for a transient reason before the rotation fails. */
    @WithDefault("10")
    int maxAttempts();

    /** Wait before the first retry; doubles with each attempt. */
    @WithDefault("PT5S")
    Duration initialBackoff();

    /** Longest wait between two retries. */
    @WithDefault("PT10M")
    Duration maxBackoff();
  }

  /** The outbox. */
  interface Outbox {
    /**
     * Failed sends of one event in a row, for a reason not known to be transient, after which it is
     * quarantined so that the events after it go out, once {@code quarantine-after} has passed too
     * (a timeout or an unreachable broker never counts; an event that cannot be decoded or that
     * Kafka refuses for good is quarantined at once).
     */
    @WithDefault("10")
    int maxAttempts();

    /**
     * How long after the first of those failures an event is quarantined at the earliest, so that a
     * short failure every event meets alike (the outbox is sent every round) does not quarantine
     * the first ones; {@code PT0S} quarantines on the count alone.
     */
    @WithDefault("PT5M")
    Duration quarantineAfter();

    /**
     * How long a sent event stays in the outbox before it is purged. Only the check that a step
     * does not write its event twice reads sent rows, and a step runs within its lease (seconds),
     * while the rotation's status keeps it from running again. At least {@code PT1H}.
     */
    @WithDefault("P7D")
    Duration keepSent();

    /**
     * How often sent events older than {@code keep-sent} are purged (the first run at start-up).
     */
    @WithDefault("PT1H")
    Duration purgeInterval();
  }

  /** The sealed key in {@code rotation.key_event} (SealedSecret values, age files, escrow). */
  interface KeyMaterial {
    /**
     * How long after a rotation ended (rolled back or failed), or completed (the verifier's
     * rotation.completed, recorded on the merged rotation), its sealed key stays in the database
     * before it is purged; the row keeps everything else (ids, status, key id, fingerprint, plan,
     * commits). Nothing reads the sealed key after that: a rotation that ended is never worked on
     * again, a rollback of a completed one reads the public fields only, and a redelivered
     * key.generated is recognised by its event id. At least {@code PT1H}.
     */
    @WithDefault("P7D")
    Duration keep();

    /**
     * How often the sealed keys of rotations that ended or completed more than {@code keep} ago are
     * purged (the first run at start-up).
     */
    @WithDefault("PT1H")
    Duration purgeInterval();
  }
}
