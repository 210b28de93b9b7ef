package dev.rotor.common.plan;

import java.util.regex.Pattern;

/**
 * Target ids are {@code <namespace>/<secret name>}: a Kubernetes DNS-1123 label, a slash, and a
 * DNS-1123 subdomain. Nothing else is accepted, so a target id can never carry path traversal,
 * control characters, whitespace, YAML or shell metacharacters into a path, a branch name, a
 * command or a log line.
 */
public final class TargetIds {
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private TargetIds() {}

  /** Whether {@code id} is a well-formed target id. */
  public static boolean isValid(String id) {
    if (id == null || id.length() > 317) {
      return false;
    }
    int slash = id.indexOf('/');
    if (slash < 0 || slash != id.lastIndexOf('/')) {
      return false;
    }
    String namespace = id.substring(0, slash);
    String name = id.substring(slash + 1);
    return LABEL.matcher(namespace).matches()
        && name.length() <= 253
        && SUBDOMAIN.matcher(name).matches();
  }

  /**
   * Returns {@code id} if it is well formed, else throws naming {@code field}. The message does not
   * repeat the rejected value: it may be hostile (control characters, log injection).
   */
  public static String requireValid(String id, String field) {
    if (!isValid(id)) {
      throw new IllegalArgumentException(
          field
              + ": not a valid target id; expected <namespace>/<secret name> in lowercase"
              + " letters, digits, '-' and '.' (Kubernetes names)");
    }
    return id;
  }
}
