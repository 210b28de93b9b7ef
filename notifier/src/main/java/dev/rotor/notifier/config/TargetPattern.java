package dev.rotor.notifier.config;

import java.util.regex.Pattern;

/**
 * A target id or a pattern of them, where {@code *} matches any text ({@code payments/*}, {@code
 * *-prod/*}).
 *
 * @param glob the pattern as configured
 */
public record TargetPattern(String glob) {
  private static final Pattern GLOB = Pattern.compile("[a-z0-9.*/\\-]+");

  public TargetPattern {
    if (glob == null || !GLOB.matcher(glob).matches()) {
      throw new IllegalArgumentException(
          "is not a target id or pattern (lowercase letters, digits, . - / and *)");
    }
  }

  /** Whether this pattern matches every target, and events without one. */
  public boolean matchesEverything() {
    return glob.equals("*");
  }

  /** Whether {@code targetId} matches; an event without a target matches only {@code *}. */
  public boolean matches(String targetId) {
    if (targetId == null) {
      return matchesEverything();
    }
    return matches(glob, 0, targetId, 0);
  }

  private static boolean matches(String glob, int g, String text, int t) {
    while (g < glob.length()) {
      char c = glob.charAt(g);
      if (c == '*') {
        for (int i = t; i <= text.length(); i++) {
          if (matches(glob, g + 1, text, i)) {
            return true;
          }
        }
        return false;
      }
      if (t >= text.length() || text.charAt(t) != c) {
        return false;
      }
      g++;
      t++;
    }
    return t == text.length();
  }
}
