package dev.rotor.devstack.infra;

import java.util.Optional;

/**
 * Ends a child JVM of the devstack when the devstack is gone, so that nothing keeps running if the
 * devstack itself was killed (SIGKILL gives it no chance to stop its children).
 */
public final class ParentWatch {
  private ParentWatch() {}

  /**
   * Starts a daemon thread that exits this JVM (running its shutdown hooks) once the parent ends.
   */
  public static void start(long parentPid) {
    Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
    if (parent.isEmpty()) {
      System.err.println("ROTOR-8011 the devstack (pid " + parentPid + ") is gone; exiting");
      System.exit(3);
    }
    Thread thread =
        new Thread(
            () -> {
              parent.get().onExit().join();
              System.err.println(
                  "ROTOR-8011 the devstack (pid " + parentPid + ") is gone; exiting");
              System.exit(3);
            },
            "rotor-devstack-parent-watch");
    thread.setDaemon(true);
    thread.start();
  }
}
