package dev.rotor.keygen.restart;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Two profiles, so that Quarkus stops the application between {@link RestartFirstRunTest} and
 * {@link RestartSecondRunTest} and starts a new one on the same database and broker.
 */
public final class RestartProfiles {
  private RestartProfiles() {}

  /** The application before the restart. */
  public static class BeforeRestart implements QuarkusTestProfile {}

  /** The application after the restart. */
  public static class AfterRestart implements QuarkusTestProfile {}
}
