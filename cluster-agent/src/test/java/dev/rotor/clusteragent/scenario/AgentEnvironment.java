package dev.rotor.clusteragent.scenario;

import dev.rotor.testsupport.git.GitServer;
import java.nio.file.Path;

/**
 * What {@link AgentTestEnvironment} set up for the agent under test: the Git remote with the
 * manifests, the policy file, and the read-only credentials the agent uses (to check they leak
 * nowhere).
 */
public record AgentEnvironment(
    GitServer git, String repository, Path policyFile, String gitUser, String gitPassword) {

  /** The repository's name on the Git server. */
  public static final String REPOSITORY = "platform/gitops.git";
}
