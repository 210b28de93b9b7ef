package dev.rotor.manifest.git;

import java.util.Optional;

/**
 * HTTPS credentials for a repository: a user and a password, or a token (sent as the password).
 * {@link #toString()} never shows the secret.
 */
public record GitCredentials(String username, String secret) {

  /** Where credentials come from: one entry per repository URL prefix, or a default. */
  @FunctionalInterface
  public interface Source {
    /** The credentials for a clone URL; empty for anonymous access. */
    Optional<GitCredentials> forUrl(String url);
  }

  @Override
  public String toString() {
    return "GitCredentials[username=" + username + ", secret=<redacted>]";
  }
}
