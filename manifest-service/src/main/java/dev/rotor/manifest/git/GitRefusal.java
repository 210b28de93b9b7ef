package dev.rotor.manifest.git;

import dev.rotor.common.git.GitSsh;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.TransientException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;

/**
 * Maps what Git answered to a reason: credentials refused, repository not found and a refused push
 * are final ({@code GIT_REFUSED}); a server that does not answer is transient. Messages are
 * stripped of anything that looks like credentials in a URL.
 */
final class GitRefusal {
  private static final Pattern URL = Pattern.compile("(?i)[a-z][a-z0-9+.-]*://\\S*");
  private static final Pattern AUTH_STATUS = Pattern.compile("\\b40[13]\\b");
  private static final Pattern NOT_FOUND_STATUS = Pattern.compile("\\b404\\b");
  private static final Pattern USERINFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s]+@");

  private GitRefusal() {}

  static RuntimeException of(String url, String operation, Exception e) {
    String detail = redact(messageChain(e));
    if (GitSsh.isSshUrl(url)) {
      Optional<String> notConfigured = notConfigured(e);
      if (notConfigured.isPresent()) {
        return RotationFailedException.refused(
            "Git over SSH to " + redact(url) + " (" + operation + "): " + notConfigured.get());
      }
      Optional<GitSsh.Refusal> refusal = GitSsh.refusalOf(e);
      if (refusal.isPresent()) {
        return RotationFailedException.refused(
            "Git over SSH to "
                + redact(url)
                + " refused ("
                + operation
                + "): "
                + refusal.get().description()
                + (refusal.get() == GitSsh.Refusal.HOST_KEY
                    ? "; rotor.manifest-service.git.ssh.known-hosts-file"
                    : "; the ssh-key-file for this repository in rotor.manifest-service.git"));
      }
    }
    String lower = URL.matcher(detail).replaceAll(" ").toLowerCase(Locale.ROOT);
    if (lower.contains("not authorized")
        || lower.contains("authentication is required")
        || lower.contains("authentication not supported")
        || lower.contains("forbidden")
        || lower.contains("not permitted")
        || lower.contains("read only")
        || lower.contains("read-only")
        || AUTH_STATUS.matcher(lower).find()) {
      return RotationFailedException.refused(
          "Git refused the credentials for "
              + redact(url)
              + " ("
              + operation
              + "): check rotor.manifest-service.git credentials for this repository");
    }
    if (e instanceof NoRemoteRepositoryException
        || lower.contains("not found")
        || NOT_FOUND_STATUS.matcher(lower).find()) {
      return RotationFailedException.refused(
          "Git repository " + redact(url) + " not found (" + operation + "): " + detail);
    }
    if (lower.contains("not supported") && lower.contains("uri")) {
      return RotationFailedException.refused(
          "Git URL " + redact(url) + " is not supported (" + operation + "): " + detail);
    }
    return new TransientException("Git " + operation + " of " + redact(url) + " failed: " + detail);
  }

  /** The message of a refusing SSH transport (no key or known_hosts configured), if that failed. */
  private static Optional<String> notConfigured(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof GitSsh.NotConfiguredException n) {
        return Optional.of(n.reason());
      }
    }
    return Optional.empty();
  }

  /** Removes {@code user:password@} from URLs in a text. */
  static String redact(String text) {
    return text == null ? "" : USERINFO.matcher(text).replaceAll("$1");
  }

  private static String messageChain(Throwable e) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = e; t != null && out.length() < 600; t = t.getCause()) {
      if (t.getMessage() != null && out.indexOf(t.getMessage()) < 0) {
        if (out.length() > 0) {
          out.append(": ");
        }
        out.append(t.getMessage());
      }
    }
    return out.length() == 0 ? e.getClass().getSimpleName() : out.toString();
  }
}
