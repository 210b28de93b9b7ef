package dev.rotor.common.git;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * An SSH identity for Git: a private key file (OpenSSH or PEM format) and, for an encrypted key, a
 * file that holds its passphrase. Both are mounted files; their content is read only when a
 * connection is made or the identity is checked, and never appears in a message or log.
 *
 * @param keyFile the private key
 * @param passphraseFile the key's passphrase (first line; a trailing line break is ignored)
 */
public record SshIdentity(Path keyFile, Optional<Path> passphraseFile) {

  public SshIdentity {
    Objects.requireNonNull(keyFile, "keyFile");
    passphraseFile = passphraseFile == null ? Optional.empty() : passphraseFile;
  }

  /**
   * What is wrong with this identity, one problem per entry, each starting with the name of the
   * configuration key that names the file; empty when the key can be loaded (decrypted with the
   * passphrase, if any). Messages name files and problems, never their content.
   *
   * @param keyName the configuration key of {@link #keyFile()}
   * @param passphraseName the configuration key of {@link #passphraseFile()}
   */
  public List<String> problems(String keyName, String passphraseName) {
    List<String> problems = new ArrayList<>();
    if (!Files.isRegularFile(keyFile) || !Files.isReadable(keyFile)) {
      problems.add(keyName + ": " + keyFile + " is not a readable file");
    }
    if (passphraseFile.isPresent()) {
      Path p = passphraseFile.get();
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        problems.add(passphraseName + ": " + p + " is not a readable file");
      }
    }
    if (!problems.isEmpty()) {
      return problems;
    }
    try (InputStream in = Files.newInputStream(keyFile)) {
      Iterable<java.security.KeyPair> pairs =
          SecurityUtils.loadKeyPairIdentities(
              null, NamedResource.ofName(keyFile.toString()), in, filePasswordProvider());
      Iterator<java.security.KeyPair> it = pairs == null ? null : pairs.iterator();
      if (it == null || !it.hasNext()) {
        problems.add(keyName + ": " + keyFile + " holds no private key");
      }
    } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
      // The exception's own message is not shown: a parser may quote what it could not read.
      problems.add(
          keyName
              + ": "
              + keyFile
              + " cannot be loaded as an SSH private key"
              + (passphraseFile.isPresent()
                  ? " with the passphrase in " + passphraseFile.get()
                  : " (an encrypted key needs " + passphraseName + ")")
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    return problems;
  }

  /** The passphrase, read from its file now; null without a passphrase file. */
  char[] passphrase() throws IOException {
    if (passphraseFile.isEmpty()) {
      return null;
    }
    String text = Files.readString(passphraseFile.get(), StandardCharsets.UTF_8);
    int end = text.indexOf('\n');
    String line = end < 0 ? text : text.substring(0, end);
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    return line.toCharArray();
  }

  private FilePasswordProvider filePasswordProvider() {
    return (session, resource, retryIndex) -> {
      char[] secret = passphrase();
      return secret == null ? null : new String(secret);
    };
  }

  @Override
  public String toString() {
    return "SshIdentity[keyFile="
        + keyFile
        + ", passphraseFile="
        + passphraseFile.map(Path::toString).orElse("none")
        + "]";
  }
}
