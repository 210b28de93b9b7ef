package dev.rotor.common.event;

import java.util.regex.Pattern;

/** CloudEvents sources of Rotor's services: {@code /rotor/<service>[/<cluster>]}. */
public final class Sources {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");

  private Sources() {}

  /** The source of a service, e.g. {@code /rotor/key-generator}. */
  public static String of(String service) {
    return "/rotor/" + requireName(service, "service");
  }

  /**
   * The source of a service instance that serves one cluster, e.g. {@code
   * /rotor/cluster-agent/aether-staging}.
   */
  public static String of(String service, String cluster) {
    return of(service) + "/" + requireName(cluster, "cluster");
  }

  private static String requireName(String value, String what) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(what + ": must be a lowercase DNS label");
    }
    return value;
  }
}
