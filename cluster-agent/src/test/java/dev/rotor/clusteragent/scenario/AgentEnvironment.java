package dev.rotor.clusteragent.scenario;

import dev.rotor.testsupport.git.GitServer;
import dev.rotor.testsupport.git.SshGitServer;
import java.nio.file.Path;

/**
 * What {@link AgentTestEnvironment} set up for the agent under test: the Git remote with the
 * manifests, the policy file, and the read-only credentials the agent uses (to check they leak
 * nowhere); and the Git remote over SSH of {@link Targets#OVER_SSH}, with the agent's read-only key
 * file.
 */
public record AgentEnvironment(
    GitServer git,
    String repository,
    Path policyFile,
    String gitUser,
    String gitPassword,
    SshGitServer ssh,
    String sshRepository,
    Path sshKeyFile) {

  /** The repository's name on the Git server. */
  public static final String REPOSITORY = "platform/gitops.git";
}
