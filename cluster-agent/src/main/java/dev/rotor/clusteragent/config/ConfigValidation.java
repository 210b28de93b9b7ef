package dev.rotor.clusteragent.config;

import dev.rotor.common.git.GitSsh;
import dev.rotor.common.git.SshIdentity;
import dev.rotor.common.plan.PolicyException;
import dev.rotor.common.plan.PolicyLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The start-up checks of the configuration. Every problem names its key; the agent does not start
 * with any.
 */
public final class ConfigValidation {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final String PREFIX = "rotor.cluster-agent.";

  private ConfigValidation() {}

  /**
   * Checks {@code config} and loads the policy.
   *
   * @throws IllegalStateException listing every problem, one per line, each naming its key
   */
  public static AgentPolicy validate(ClusterAgentConfig config) {
    List<String> problems = new ArrayList<>();
    String cluster = config.cluster();
    if (cluster == null || !DNS_LABEL.matcher(cluster).matches()) {
      problems.add(
          PREFIX
              + "cluster: must be the cluster's name as the policy's stages name it, a DNS label"
              + " (lowercase letters, digits, '-')");
    }
    positive(problems, "state.retention", config.state().retention());
    positive(problems, "state.stale-event-margin", config.state().staleEventMargin());
    positive(problems, "state.schedule-interval", config.state().scheduleInterval());
    if (config.state().maxBytes() < 65536 || config.state().maxBytes() > 1000000) {
      problems.add(
          PREFIX
              + "state.max-bytes: must be between 65536 and 1000000 (the API server refuses a"
              + " ConfigMap over 1 MiB; the rest is headroom), was "
              + config.state().maxBytes());
    }
    if (config.state().configMap().isBlank()) {
      problems.add(PREFIX + "state.config-map: must name a ConfigMap");
    }
    positive(problems, "git.timeout", config.git().timeout());
    if (config.git().historyDepth() < 1) {
      problems.add(PREFIX + "git.history-depth: must be at least 1");
    }
    if (config.git().password().isPresent() && config.git().username().isEmpty()) {
      problems.add(PREFIX + "git.username: is required when git.password is set");
    }
    config
        .git()
        .sshKeyFile()
        .ifPresent(
            key -> {
              problems.addAll(
                  new SshIdentity(key, config.git().sshKeyPassphraseFile())
                      .problems(
                          PREFIX + "git.ssh-key-file", PREFIX + "git.ssh-key-passphrase-file"));
              if (config.git().sshKnownHostsFile().isEmpty()) {
                problems.add(
                    PREFIX
                        + "git.ssh-known-hosts-file: is required with git.ssh-key-file (host keys"
                        + " are always checked)");
              }
            });
    if (config.git().sshKeyPassphraseFile().isPresent() && config.git().sshKeyFile().isEmpty()) {
      problems.add(PREFIX + "git.ssh-key-passphrase-file: given without git.ssh-key-file");
    }
    config
        .git()
        .sshKnownHostsFile()
        .ifPresent(
            f ->
                problems.addAll(GitSsh.knownHostsProblems(PREFIX + "git.ssh-known-hosts-file", f)));
    if (config.apply().fieldManager().isBlank()) {
      problems.add(PREFIX + "apply.field-manager: must not be empty");
    }
    positive(problems, "apply.unseal-timeout", config.apply().unsealTimeout());
    positive(problems, "apply.poll-interval", config.apply().pollInterval());
    positive(problems, "rollout.timeout", config.rollout().timeout());
    positive(problems, "rollout.resync-interval", config.rollout().resyncInterval());
    if (config.rollout().concurrency() < 1) {
      problems.add(PREFIX + "rollout.concurrency: must be at least 1");
    }
    positive(problems, "retry.initial-backoff", config.retry().initialBackoff());
    positive(problems, "retry.max-backoff", config.retry().maxBackoff());
    config
        .kubernetes()
        .context()
        .filter(String::isBlank)
        .ifPresent(c -> problems.add(PREFIX + "kubernetes.context: must not be empty when set"));

    AgentPolicy policy = null;
    try {
      policy = new AgentPolicy(PolicyLoader.load(config.policyFile()), cluster);
      if (problems.isEmpty() && policy.targetsOnCluster().isEmpty()) {
        problems.add(
            PREFIX
                + "cluster: no target of the policy "
                + config.policyFile()
                + " has a stage on cluster '"
                + cluster
                + "'; check the cluster name or the policy");
      }
      if (problems.isEmpty()) {
        sshRepositoryProblems(config, policy, problems);
      }
    } catch (PolicyException e) {
      problems.add(PREFIX + "policy-file: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "The cluster-agent's configuration is invalid:\n" + String.join("\n", problems));
    }
    return policy;
  }

  /** The policy names an SSH repository for this cluster: the agent needs a key and known_hosts. */
  private static void sshRepositoryProblems(
      ClusterAgentConfig config, AgentPolicy policy, List<String> problems) {
    List<String> ssh =
        policy.targetsOnCluster().stream()
            .map(t -> t.plan().manifest().repository())
            .filter(GitSsh::isSshUrl)
            .map(url -> url.replaceAll("//[^/@]*@", "//"))
            .distinct()
            .sorted()
            .toList();
    if (ssh.isEmpty()) {
      return;
    }
    if (config.git().sshKeyFile().isEmpty()) {
      problems.add(
          PREFIX
              + "git.ssh-key-file: is required: the policy "
              + config.policyFile()
              + " names SSH repositories for this cluster ("
              + String.join(", ", ssh)
              + ")");
    }
    if (config.git().sshKnownHostsFile().isEmpty() && config.git().sshKeyFile().isEmpty()) {
      problems.add(
          PREFIX
              + "git.ssh-known-hosts-file: is required: the policy names SSH repositories for this"
              + " cluster");
    }
  }

  private static void positive(List<String> problems, String key, Duration value) {
    if (value == null || value.isZero() || value.isNegative()) {
      problems.add(PREFIX + key + ": must be a positive duration such as PT30S");
    }
  }
}
