package dev.rotor.manifest.git;

import dev.rotor.manifest.RotationFailedException;
import java.util.Locale;

/** Checks that a manifest path stays inside the repository before anything reads it. */
public final class ManifestPaths {
  private ManifestPaths() {}

  /**
   * Returns {@code path} when it is a relative path inside the repository: no leading '/', no
   * {@code .} or {@code ..} segments, no empty segments, no backslashes or control characters, not
   * inside {@code .git}.
   *
   * @throws RotationFailedException {@code MANIFEST_INVALID} naming the problem
   */
  public static String requireInside(String path) {
    if (path == null || path.isEmpty()) {
      throw RotationFailedException.invalid("manifest.path: is empty");
    }
    String problem = null;
    if (path.startsWith("/")) {
      problem = "is absolute";
    } else if (path.indexOf('\\') >= 0) {
      problem = "contains a backslash";
    } else if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      problem = "contains control characters";
    } else if (path.length() > 4096) {
      problem = "is longer than 4096 characters";
    } else {
      for (String segment : path.split("/", -1)) {
        if (segment.isEmpty()) {
          problem = "has an empty segment ('//' or a trailing '/')";
        } else if (segment.equals(".") || segment.equals("..")) {
          problem = "has a '" + segment + "' segment: it escapes the repository";
        } else if (segment.toLowerCase(Locale.ROOT).equals(".git")) {
          problem = "points into .git";
        }
        if (problem != null) {
          break;
        }
      }
    }
    if (problem != null) {
      throw RotationFailedException.invalid(
          "manifest.path '"
              + path.replaceAll("[\\p{Cntrl}]", "?")
              + "' "
              + problem
              + "; it must be a relative path to a file inside the repository");
    }
    return path;
  }
}
