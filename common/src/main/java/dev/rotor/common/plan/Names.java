package dev.rotor.common.plan;

import java.time.DayOfWeek;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The shapes of the names a policy holds. Each is narrow on purpose: these names end up in Git
 * paths, branch names, Kubernetes API calls, CloudEvent sources and log lines.
 */
final class Names {
  /** A cluster, as the cluster-agent serving it is configured: a DNS-1123 label. */
  static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** A Kubernetes object name: a DNS-1123 subdomain of at most 253 characters. */
  static final Pattern DEPLOYMENT =
      Pattern.compile(
          "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A team, as the review provider names it ({@code security}, or GitHub's {@code org/team}). */
  static final Pattern TEAM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,99}");

  /** A Git branch name, narrower than Git's rules: no {@code ..}, {@code //}, {@code .lock}. */
  static final Pattern BRANCH =
      Pattern.compile(
          "(?!.*\\.\\.)(?!.*//)(?!.*\\.lock$)(?!.*[/.]$)[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}");

  /** A clone URL in scp-like form, {@code git@host:org/repo.git}. */
  static final Pattern SCP_LIKE_URL =
      Pattern.compile("[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+");

  private Names() {}

  /** {@code MONDAY}, {@code Monday} or {@code Mon}. */
  static DayOfWeek day(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    for (DayOfWeek d : DayOfWeek.values()) {
      if (d.name().equals(upper) || d.name().substring(0, 3).equals(upper)) {
        return d;
      }
    }
    throw new IllegalArgumentException("not a day of the week");
  }
}
