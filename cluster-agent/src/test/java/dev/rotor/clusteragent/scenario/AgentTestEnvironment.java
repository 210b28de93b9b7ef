package dev.rotor.clusteragent.scenario;

import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.testsupport.git.GitServer;
import dev.rotor.testsupport.git.SshGitServer;
import dev.rotor.testsupport.kubernetes.SealingKeyPair;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The agent's surroundings for tests: a real Git remote over HTTP (the manifest-service pushes as
 * {@code manifest-service}, the agent reads as a read-only user), the policy file naming it (every
 * target of {@link Targets}), the sealing certificate of the simulated sealed-secrets controller,
 * and the agent's configuration with deadlines shortened for tests.
 */
public class AgentTestEnvironment implements QuarkusTestResourceLifecycleManager {
  /** An age recipient for the policy's escrow (its checksum is valid; nothing is sealed to it). */
  private static final String ESCROW =
      "age1z0x8454k8ksm7j9kh3t2uk0lvxdqxtpa769gfzkufunex3tl7f9s62ayjs";

  private AgentEnvironment environment;
  private final Map<String, String> overrides = new HashMap<>();

  /** Init args named {@code rotor.cluster-agent.*} replace the configuration below. */
  @Override
  public void init(Map<String, String> initArgs) {
    initArgs.forEach(
        (key, value) -> {
          if (key.startsWith("rotor.cluster-agent.")) {
            overrides.put(key, value);
          }
        });
  }

  @Override
  public Map<String, String> start() {
    Path root =
        Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
            .toAbsolutePath()
            .resolve("agent-env-" + UUID.randomUUID().toString().substring(0, 8));
    GitServer git =
        GitServer.start(root.resolve("repos"), "manifest-service", "writer-" + UUID.randomUUID());
    String reader = "cluster-agent";
    String readerPassword = "read-only-" + UUID.randomUUID();
    git.addReader(reader, readerPassword);
    String repository = git.createRepository(AgentEnvironment.REPOSITORY);
    git.commit(AgentEnvironment.REPOSITORY, "main", Map.of("README.md", "GitOps\n"), "Start");
    SshGitServer ssh = SshGitServer.start(root.resolve("ssh-repos"));
    KeyPair sshReader = SshGitServer.generateKey();
    ssh.addReader(sshReader.getPublic());
    String sshRepository = ssh.createRepository(AgentEnvironment.REPOSITORY);
    ssh.commit(AgentEnvironment.REPOSITORY, "main", Map.of("README.md", "GitOps\n"), "Start");
    Path sshKey = SshGitServer.writePrivateKey(root.resolve("ssh/id_reader"), sshReader, null);
    Path knownHosts = ssh.writeKnownHosts(root.resolve("ssh/known_hosts"));
    Path policy = root.resolve("policy/rotor-policy.yaml");
    SealingKeyPair.shared().writeCertificate(root.resolve("policy/certs/sealed-secrets.pem"));
    write(policy, policy(repository, sshRepository));
    environment =
        new AgentEnvironment(
            git, repository, policy, reader, readerPassword, ssh, sshRepository, sshKey);

    Map<String, String> config = new HashMap<>();
    config.put("rotor.cluster-agent.cluster", Targets.CLUSTER);
    config.put("rotor.cluster-agent.policy-file", policy.toString());
    config.put("rotor.cluster-agent.git.username", reader);
    config.put("rotor.cluster-agent.git.password", readerPassword);
    config.put("rotor.cluster-agent.git.ssh-key-file", sshKey.toString());
    config.put("rotor.cluster-agent.git.ssh-known-hosts-file", knownHosts.toString());
    config.put("rotor.cluster-agent.git.cache-directory", root.resolve("git-cache").toString());
    config.put("rotor.cluster-agent.git.timeout", "PT5S");
    config.put("rotor.cluster-agent.state.namespace", "rotor");
    config.put("rotor.cluster-agent.state.schedule-interval", "PT0.2S");
    config.put("rotor.cluster-agent.state.stale-event-margin", "PT1S");
    config.put("rotor.cluster-agent.apply.unseal-timeout", "PT3S");
    config.put("rotor.cluster-agent.apply.poll-interval", "PT0.1S");
    config.put("rotor.cluster-agent.rollout.timeout", "PT6S");
    config.put("rotor.cluster-agent.rollout.resync-interval", "PT3S");
    config.put("rotor.cluster-agent.retry.initial-backoff", "PT0.1S");
    config.put("rotor.cluster-agent.retry.max-backoff", "PT0.5S");
    config.putAll(overrides);
    return config;
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(
        environment,
        new TestInjector.AnnotatedAndMatchesType(
            InjectAgentEnvironment.class, AgentEnvironment.class));
  }

  @Override
  public void stop() {
    if (environment != null) {
      environment.git().close();
      environment.ssh().close();
    }
  }

  private static String policy(String repository, String sshRepository) {
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: rotor.dev/v1
            kind: RotationPolicy
            defaults:
              manifest:
                repository: %s
                branch: main
              escrow:
                recipients: [%s]
            targets:
            """
                .formatted(repository, ESCROW));
    for (Targets.Target target : Targets.ALL) {
      yaml.append("  - id: ").append(target.id()).append('\n');
      yaml.append("    deployments: [")
          .append(String.join(", ", target.deployments()))
          .append("]\n");
      yaml.append("    manifest:\n");
      if (target.unreachableRepository()) {
        yaml.append("      repository: http://127.0.0.1:9/git/gitops.git\n");
      }
      if (target == Targets.OVER_SSH) {
        yaml.append("      repository: ").append(sshRepository).append('\n');
      }
      yaml.append("      path: ").append(target.path()).append('\n');
      if (target.format() == ManifestFormat.SECRET) {
        yaml.append("      format: secret\n      allowPlaintextInGit: true\n");
      } else {
        yaml.append("      format: sealed-secret\n");
      }
      yaml.append("    stages:\n");
      for (String cluster : target.clusters()) {
        yaml.append("      - cluster: ").append(cluster).append("\n        soak: PT0S\n");
        if (target.format() == ManifestFormat.SEALED_SECRET) {
          yaml.append("        sealingCertificateFile: certs/sealed-secrets.pem\n");
        }
        if (target.window() && cluster.equals(Targets.CLUSTER)) {
          yaml.append(
              """
                      maintenanceWindow:
                        days: [MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY]
                        start: "02:00"
                        end: "03:00"
                        zone: UTC
              """);
        }
      }
    }
    return yaml.toString();
  }

  private static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
