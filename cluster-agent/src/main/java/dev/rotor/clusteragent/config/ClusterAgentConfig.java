package dev.rotor.clusteragent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The cluster-agent's configuration. Every key is checked at start-up ({@link ConfigValidation}); a
 * bad value stops the agent with a message that names the key.
 */
@ConfigMapping(prefix = "rotor.cluster-agent")
public interface ClusterAgentConfig {

  /** The cluster this agent serves, as the policy's stages name it (a DNS label). */
  String cluster();

  /** The rotation policy file (the same file the key-generator loads). */
  Path policyFile();

  /** How the agent reaches the Kubernetes API. */
  KubernetesConfig kubernetes();

  /** Where the agent keeps its durable state in the cluster. */
  StateConfig state();

  /** Read-only access to the manifest repositories. */
  GitConfig git();

  /** Applying the manifest. */
  ApplyConfig apply();

  /** Restarting the Deployments and waiting for their rollout. */
  RolloutConfig rollout();

  /** Retries of transient failures (Kubernetes API, Kafka). */
  RetryConfig retry();

  /** Connection to the Kubernetes API. */
  interface KubernetesConfig {
    /**
     * The kubeconfig context to use; unset: the in-cluster service account, else the kubeconfig's
     * current context ({@code quarkus.kubernetes-client.*} keys apply then).
     */
    Optional<String> context();

    /** How long the readiness check waits for the API server. */
    @WithDefault("PT5S")
    Duration readinessTimeout();
  }

  /** The agent's state: one ConfigMap in the cluster, no database. */
  interface StateConfig {
    /**
     * The namespace of the state ConfigMap; unset: the namespace the agent runs in (from its
     * service account), else {@code rotor}.
     */
    Optional<String> namespace();

    /** The state ConfigMap (shipped in deploy/k8s/cluster-agent; created if absent and allowed). */
    @WithDefault("rotor-cluster-agent-state")
    String configMap();

    /** How long finished work is remembered, so that a redelivered event is recognised. */
    @WithDefault("P14D")
    Duration retention();

    /**
     * How much later than an event's time another rotation's restart of the same target must be for
     * the event to be stale (a replay from before that rotation): margin for clock skew between
     * services.
     */
    @WithDefault("PT10M")
    Duration staleEventMargin();

    /** How often stages waiting for their maintenance window are checked against the clock. */
    @WithDefault("PT15S")
    Duration scheduleInterval();

    /**
     * The most the state ConfigMap's entries may hold, in bytes (keys and values, UTF-8). The API
     * server refuses a ConfigMap over 1 MiB; past this budget the oldest ended jobs (ended over an
     * hour ago, neither a rolled-back record nor a refusal) are forgotten early, and a new stage is
     * refused once what cannot be forgotten fills three quarters of it. 65536 to 1000000.
     */
    @WithDefault("921600")
    int maxBytes();
  }

  /** Git access: read-only credentials, never logged. */
  interface GitConfig {
    /** User name for HTTPS repositories (with a token: any non-empty name the host accepts). */
    Optional<String> username();

    /** Password or access token for HTTPS repositories; needs {@code username}. */
    Optional<String> password();

    /**
     * Private key file (OpenSSH or PEM; a read-only deploy key mounted from a Secret) for SSH
     * repositories ({@code ssh://} and {@code git@host:path}); public-key authentication only. Its
     * content is never logged.
     */
    Optional<Path> sshKeyFile();

    /** File holding the passphrase of {@code ssh-key-file}, if the key is encrypted. */
    Optional<Path> sshKeyPassphraseFile();

    /**
     * known_hosts file with the host keys of the SSH Git servers (e.g. {@code ssh-keyscan} output
     * whose fingerprints were checked). Required with {@code ssh-key-file}: an unknown or changed
     * host key is refused; {@code ~/.ssh} is never consulted and the file is never written.
     */
    Optional<Path> sshKnownHostsFile();

    /** Local cache of fetched repositories (bare clones; safe to delete). */
    @WithDefault("${java.io.tmpdir}/rotor-cluster-agent/git")
    Path cacheDirectory();

    /** Network timeout of a fetch. */
    @WithDefault("PT30S")
    Duration timeout();

    /** How many commits of the default branch are searched for a rotation's trailers. */
    @WithDefault("1000")
    int historyDepth();
  }

  /** Server-side apply of the Secret or SealedSecret. */
  interface ApplyConfig {
    /** The field manager of every write (server-side apply and restarts). */
    @WithDefault("rotor")
    String fieldManager();

    /**
     * Field managers whose fields the agent takes over on a conflict: {@code kubectl apply}
     * (client-side) leaves these on Secrets created by hand. A conflict with any other manager
     * fails with APPLY_CONFLICT instead of overwriting its change.
     */
    @WithDefault("kubectl-client-side-apply,before-first-apply")
    List<String> forceConflictsWith();

    /** How long the Secret may take to hold the expected keyring after the apply. */
    @WithDefault("PT2M")
    Duration unsealTimeout();

    /** How often the Secret is read while waiting for it. */
    @WithDefault("PT1S")
    Duration pollInterval();
  }

  /** Restarts and rollout waits. */
  interface RolloutConfig {
    /** How long one Deployment may take to roll out after its restart (like {@code --timeout}). */
    @WithDefault("PT10M")
    Duration timeout();

    /** How often the rollout is re-read besides the watch events. */
    @WithDefault("PT5S")
    Duration resyncInterval();

    /**
     * How many jobs roll out at the same time (one at a time per target, and per Deployment when
     * targets share one).
     */
    @WithDefault("4")
    int concurrency();
  }

  /** Back-off for transient failures. */
  interface RetryConfig {
    /** First delay after a transient failure. */
    @WithDefault("PT0.5S")
    Duration initialBackoff();

    /** Longest delay between two attempts. */
    @WithDefault("PT30S")
    Duration maxBackoff();
  }
}
