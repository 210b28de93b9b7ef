package dev.rotor.common.plan;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

/**
 * Where the target's Secret manifest lives.
 *
 * @param repository the Git repository URL (HTTPS, or SSH)
 * @param branch the default branch the change merges into
 * @param path the manifest's path inside the repository (relative, never escaping it)
 * @param format how the Secret is kept in Git
 * @param allowPlaintextInGit whether the policy accepts the key readable in Git (format {@code
 *     secret})
 */
public record ManifestSpec(
    String repository,
    String branch,
    String path,
    ManifestFormat format,
    boolean allowPlaintextInGit) {

  public ManifestSpec {
    nonEmpty(repository, "manifest.repository");
    nonEmpty(branch, "manifest.branch");
    nonEmpty(path, "manifest.path");
    present(format, "manifest.format");
    if (path.startsWith("/")
        || path.contains("\\")
        || path.equals("..")
        || path.startsWith("../")
        || path.contains("/../")
        || path.endsWith("/..")) {
      throw new IllegalArgumentException(
          "manifest.path: must be a relative path inside the repository");
    }
    if (format == ManifestFormat.SECRET && !allowPlaintextInGit) {
      throw new IllegalArgumentException(
          "manifest.format: 'secret' keeps the key readable in Git; set"
              + " manifest.allowPlaintextInGit: true to accept that, or use 'sealed-secret'");
    }
  }
}
