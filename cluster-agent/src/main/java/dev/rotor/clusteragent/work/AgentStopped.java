package dev.rotor.clusteragent.work;

/**
 * The agent is stopping (shutdown, or a restart of its work): whatever was in progress ends here
 * without an event; the journal in the cluster keeps it, and the next start resumes it.
 */
public final class AgentStopped extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AgentStopped() {
    super("the cluster-agent is stopping", null, false, false);
  }
}
