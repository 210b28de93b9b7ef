package dev.rotor.clusteragent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidationTest {
  @TempDir static Path directory;
  static Path policy;

  @BeforeAll
  static void writePolicy() throws Exception {
    policy = directory.resolve("rotor-policy.yaml");
    Files.writeString(policy, AgentPolicyTest.POLICY);
  }

  @Test
  void aValidConfigurationLoadsThePolicyForItsCluster() {
    AgentPolicy loaded = ConfigValidation.validate(config(Map.of()));

    assertThat(loaded.cluster()).isEqualTo("aether-staging");
    assertThat(loaded.targetsOnCluster()).hasSize(1);
  }

  @Test
  void theDefaultsAreSafe() {
    ClusterAgentConfig config = config(Map.of());

    assertThat(config.apply().fieldManager()).isEqualTo("rotor");
    assertThat(config.apply().forceConflictsWith())
        .containsExactly("kubectl-client-side-apply", "before-first-apply");
    assertThat(config.rollout().timeout()).hasMinutes(10);
    assertThat(config.state().configMap()).isEqualTo("rotor-cluster-agent-state");
    assertThat(config.state().maxBytes()).as("below the API server's 1 MiB").isLessThan(1 << 20);
    assertThat(config.git().cacheDirectory().toString()).endsWith("rotor-cluster-agent/git");
  }

  @Test
  void everyBadValueIsReportedWithItsKey() {
    Map<String, String> bad = new HashMap<>();
    bad.put("rotor.cluster-agent.cluster", "Aether Staging");
    bad.put("rotor.cluster-agent.rollout.timeout", "PT0S");
    bad.put("rotor.cluster-agent.rollout.concurrency", "0");
    bad.put("rotor.cluster-agent.git.password", "token");
    bad.put("rotor.cluster-agent.state.max-bytes", "2097152");

    assertThatThrownBy(() -> ConfigValidation.validate(config(bad)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rotor.cluster-agent.cluster: must be the cluster's name")
        .hasMessageContaining("rotor.cluster-agent.rollout.timeout: must be a positive duration")
        .hasMessageContaining("rotor.cluster-agent.rollout.concurrency: must be at least 1")
        .hasMessageContaining(
            "rotor.cluster-agent.git.username: is required when git.password is set")
        .hasMessageContaining(
            "rotor.cluster-agent.state.max-bytes: must be between 65536 and 1000000")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("token"));
  }

  @Test
  void aClusterThePolicyHasNoStageOnFailsNamingTheKey() {
    assertThatThrownBy(
            () ->
                ConfigValidation.validate(
                    config(Map.of("rotor.cluster-agent.cluster", "aether-qa"))))
        .hasMessageContaining(
            "rotor.cluster-agent.cluster: no target of the policy "
                + policy
                + " has a stage on"
                + " cluster 'aether-qa'");
  }

  @Test
  void aPolicyFileThatIsMissingOrInvalidFailsNamingTheKeyAndTheProblem() throws Exception {
    assertThatThrownBy(
            () ->
                ConfigValidation.validate(
                    config(
                        Map.of(
                            "rotor.cluster-agent.policy-file",
                            directory.resolve("nope.yaml").toString()))))
        .hasMessageContaining("rotor.cluster-agent.policy-file:")
        .hasMessageContaining("no such file");
    Path invalid = directory.resolve("invalid.yaml");
    Files.writeString(invalid, AgentPolicyTest.POLICY.replace("soak: PT10M", "soak: ten minutes"));
    assertThatThrownBy(
            () ->
                ConfigValidation.validate(
                    config(Map.of("rotor.cluster-agent.policy-file", invalid.toString()))))
        .hasMessageContaining("rotor.cluster-agent.policy-file:")
        .hasMessageContaining("targets[0].stages[0].soak");
  }

  @Test
  void aMissingSshKeyOrKnownHostsFileFailsTheStartNamingTheKey() {
    Map<String, String> bad = new HashMap<>();
    bad.put("rotor.cluster-agent.git.ssh-key-file", directory.resolve("no-key").toString());

    assertThatThrownBy(() -> ConfigValidation.validate(config(bad)))
        .hasMessageContaining(
            "rotor.cluster-agent.git.ssh-key-file: "
                + directory.resolve("no-key")
                + " is not a readable file")
        .hasMessageContaining(
            "rotor.cluster-agent.git.ssh-known-hosts-file: is required with git.ssh-key-file");
  }

  @Test
  void aPolicyWithAnSshRepositoryForThisClusterNeedsAnSshKey() throws Exception {
    Path ssh = directory.resolve("ssh-policy.yaml");
    Files.writeString(
        ssh,
        AgentPolicyTest.POLICY.replaceAll(
            "repository: \\S+", "repository: git@github.com:aether/gitops.git"));
    assertThat(Files.readString(ssh)).contains("git@github.com:aether/gitops.git");

    assertThatThrownBy(
            () ->
                ConfigValidation.validate(
                    config(Map.of("rotor.cluster-agent.policy-file", ssh.toString()))))
        .hasMessageContaining("rotor.cluster-agent.git.ssh-key-file: is required: the policy")
        .hasMessageContaining("names SSH repositories for this cluster")
        .hasMessageContaining("git@github.com:aether/gitops.git");
  }

  private static ClusterAgentConfig config(Map<String, String> overrides) {
    Map<String, String> properties = new HashMap<>();
    properties.put("rotor.cluster-agent.cluster", "aether-staging");
    properties.put("rotor.cluster-agent.policy-file", policy.toString());
    properties.putAll(overrides);
    return new SmallRyeConfigBuilder()
        .addDefaultSources()
        .addDefaultInterceptors()
        .withMapping(ClusterAgentConfig.class)
        .withSources(new PropertiesConfigSource(properties, "test", 500))
        .build()
        .getConfigMapping(ClusterAgentConfig.class);
  }
}
