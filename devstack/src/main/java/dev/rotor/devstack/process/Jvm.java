package dev.rotor.devstack.process;

import dev.rotor.devstack.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Command lines for the JVMs the devstack starts: small heaps, the client compiler only and the
 * serial collector, because a dozen JVMs share a laptop (or two CI cores) and start-up time matters
 * more than peak throughput.
 */
public final class Jvm {
  private Jvm() {}

  /** {@code java <small-JVM options> -D... -jar <jar>}. */
  public static List<String> jar(String heap, Map<String, String> properties, String jar) {
    List<String> command = base(heap, properties);
    command.add("-jar");
    command.add(jar);
    return command;
  }

  /** {@code java <small-JVM options> -D... -cp <devstack class path> <main> <args>}. */
  public static List<String> main(
      String heap, Map<String, String> properties, String mainClass, List<String> args) {
    List<String> command = base(heap, properties);
    if (!properties.containsKey("java.util.logging.manager")) {
      // The devstack's class path holds JBoss LogManager; libraries log through it.
      command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
    }
    command.add("-cp");
    command.add(Layout.classPath());
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  private static List<String> base(String heap, Map<String, String> properties) {
    List<String> command = new ArrayList<>();
    command.add(Layout.java());
    command.add("-Xmx" + heap);
    command.add("-Xss512k");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:CICompilerCount=1");
    command.add("-Djava.net.preferIPv4Stack=true");
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    return command;
  }
}
