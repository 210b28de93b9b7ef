package dev.rotor.common.git;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.internal.transport.sshd.OpenSshServerKeyDatabase;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.KeyPasswordProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.util.FS;

/**
 * The SSH transport of one identity: a JGit {@link SshdSessionFactory} that authenticates with
 * {@link SshIdentity}'s key only (public-key authentication, no ssh-agent, no password) and accepts
 * a server only if its host key is in the given known_hosts file. An unknown or changed host key is
 * refused, never learnt; the file is never written. Neither {@code ~/.ssh} of the process user nor
 * any ssh config is read.
 *
 * <p>Apply it to a command with {@link #transportConfig()}, or to a {@link Transport} opened by
 * hand with {@link #configure(Transport)}. Close it when the service stops.
 */
public final class GitSsh implements AutoCloseable {
  private final SshIdentity identity;
  private final Path knownHostsFile;
  private final SshdSessionFactory factory;

  private GitSsh(SshIdentity identity, Path knownHostsFile) {
    this.identity = identity;
    this.knownHostsFile = knownHostsFile;
    // The directories JGit would otherwise take from user.home; every default read from them is
    // replaced below, so nothing there is used.
    File home = knownHostsFile.toAbsolutePath().getParent().toFile();
    this.factory =
        new SshdSessionFactoryBuilder()
            .setHomeDirectory(home)
            .setSshDirectory(home)
            .setConfigStoreFactory((homeDir, configFile, localUser) -> null)
            .setConnectorFactory(null)
            .setPreferredAuthentications("publickey")
            .setDefaultKnownHostsFiles(dir -> List.of(knownHostsFile))
            .setDefaultIdentities(dir -> List.of(identity.keyFile()))
            .setKeyPasswordProvider(credentials -> new PassphraseFromFile(identity))
            .setServerKeyDatabase((homeDir, sshDir) -> new StrictKnownHosts(knownHostsFile))
            .build(null);
  }

  /**
   * An SSH transport for {@code identity}, checking host keys against {@code knownHostsFile}. Check
   * both first with {@link SshIdentity#problems} and {@link #knownHostsProblems}.
   */
  public static GitSsh of(SshIdentity identity, Path knownHostsFile) {
    return new GitSsh(
        Objects.requireNonNull(identity, "identity"),
        Objects.requireNonNull(knownHostsFile, "knownHostsFile"));
  }

  /** The identity this transport authenticates with. */
  public SshIdentity identity() {
    return identity;
  }

  /** The known_hosts file host keys are checked against. */
  public Path knownHostsFile() {
    return knownHostsFile;
  }

  /** For {@code setTransportConfigCallback} of a JGit command: see {@link #configure}. */
  public TransportConfigCallback transportConfig() {
    return this::configure;
  }

  /** Makes an SSH transport use this identity and known_hosts; other transports are unchanged. */
  public void configure(Transport transport) {
    if (transport instanceof SshTransport ssh) {
      ssh.setSshSessionFactory(factory);
    }
  }

  /**
   * For repositories without an SSH identity: an SSH transport fails with {@code message} instead
   * of falling back to JGit's default session factory (which would read {@code ~/.ssh}); other
   * transports are unchanged.
   */
  public static TransportConfigCallback refusing(String message) {
    SshSessionFactory refusing =
        new SshSessionFactory() {
          @Override
          public RemoteSession getSession(
              URIish uri, CredentialsProvider credentials, FS fs, int timeout)
              throws TransportException {
            throw new NotConfiguredException(uri, message);
          }

          @Override
          public String getType() {
            return "refusing";
          }
        };
    return transport -> {
      if (transport instanceof SshTransport ssh) {
        ssh.setSshSessionFactory(refusing);
      }
    };
  }

  /** What a {@link #refusing} transport throws: the SSH settings for the URL are missing. */
  public static final class NotConfiguredException extends TransportException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    NotConfiguredException(URIish uri, String reason) {
      super(uri, reason);
      this.reason = reason;
    }

    /** What is missing, naming the configuration key to set. */
    public String reason() {
      return reason;
    }
  }

  /** Whether JGit reaches {@code url} over SSH ({@code ssh://...} or {@code git@host:path}). */
  public static boolean isSshUrl(String url) {
    try {
      // What JGit's TransportGitSsh accepts: an ssh scheme, or scp-like host:path.
      URIish uri = new URIish(url);
      String scheme = uri.getScheme();
      if (scheme == null) {
        return uri.getHost() != null
            && !uri.getHost().isEmpty()
            && uri.getPath() != null
            && !uri.getPath().isEmpty();
      }
      return switch (scheme.toLowerCase(Locale.ROOT)) {
        case "ssh", "ssh+git", "git+ssh" -> true;
        default -> false;
      };
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /**
   * What is wrong with a known_hosts file, each problem starting with {@code keyName}; empty when
   * it is readable and holds at least one host key.
   */
  public static List<String> knownHostsProblems(String keyName, Path knownHostsFile) {
    List<String> problems = new ArrayList<>();
    if (!Files.isRegularFile(knownHostsFile) || !Files.isReadable(knownHostsFile)) {
      problems.add(keyName + ": " + knownHostsFile + " is not a readable file");
      return problems;
    }
    try {
      List<KnownHostEntry> entries = KnownHostEntry.readKnownHostEntries(knownHostsFile);
      if (entries == null || entries.stream().noneMatch(e -> e.getKeyEntry() != null)) {
        problems.add(
            keyName
                + ": "
                + knownHostsFile
                + " holds no host key (create it with ssh-keyscan <host> and check the"
                + " fingerprints)");
      }
    } catch (IOException | RuntimeException e) {
      problems.add(
          keyName
              + ": "
              + knownHostsFile
              + " is not a known_hosts file ("
              + e.getClass().getSimpleName()
              + ")");
    }
    return problems;
  }

  /** Why an SSH connection was refused for good: trying again does not help. */
  public enum Refusal {
    /** The server's host key is not in the known_hosts file, or differs from it. */
    HOST_KEY(
        "the server's SSH host key is not in the configured known_hosts file, or it changed"
            + " (check the server's host key fingerprint, then the known_hosts file)"),
    /** The server did not accept the key, or the key could not be loaded. */
    AUTHENTICATION(
        "the server refused the SSH key (is it a deploy key of this repository, with the access"
            + " needed? Is the passphrase right?)");

    private final String description;

    Refusal(String description) {
      this.description = description;
    }

    /** What a person reads: what was refused and what to check. */
    public String description() {
      return description;
    }
  }

  /**
   * The refusal {@code failure} (or a cause) reports, when the server's host key was not accepted
   * or the server refused the key: a person has to change the known_hosts file, the key or the
   * server's deploy keys. Empty for anything else (a server that does not answer is transient).
   */
  public static Optional<Refusal> refusalOf(Throwable failure) {
    String chain = messages(failure).toLowerCase(Locale.ROOT);
    if (chain.contains("server key did not validate")
        || chain.contains("host key")
        || chain.contains("remote host identification has changed")) {
      return Optional.of(Refusal.HOST_KEY);
    }
    if (chain.contains("no more authentication methods")
        || chain.contains("authentication failed")
        || chain.contains("auth fail")
        || chain.contains("no keys to try")
        || chain.contains("needs a passphrase")
        || chain.contains("could not be read")
        || chain.contains("could not load")
        || chain.contains("no keys found in identity")) {
      return Optional.of(Refusal.AUTHENTICATION);
    }
    return Optional.empty();
  }

  private static String messages(Throwable failure) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = failure; t != null && out.length() < 4000; t = t.getCause()) {
      if (t.getMessage() != null) {
        out.append(t.getMessage()).append(" | ");
      }
      for (Throwable s : t.getSuppressed()) {
        if (s.getMessage() != null) {
          out.append(s.getMessage()).append(" | ");
        }
      }
    }
    return out.toString();
  }

  @Override
  public void close() {
    factory.close();
  }

  @Override
  public String toString() {
    return "GitSsh[" + identity + ", knownHostsFile=" + knownHostsFile + "]";
  }

  /** Reads the passphrase from its file for each attempt to load the key; one attempt. */
  private static final class PassphraseFromFile implements KeyPasswordProvider {
    private final SshIdentity identity;

    PassphraseFromFile(SshIdentity identity) {
      this.identity = identity;
    }

    @Override
    public char[] getPassphrase(URIish uri, int attempt) throws IOException {
      char[] passphrase = identity.passphrase();
      // Null or empty cancels: JGit then skips the key and the server refuses authentication.
      return passphrase == null ? new char[0] : passphrase;
    }

    @Override
    public void setAttempts(int maxNumberOfAttempts) {
      // One attempt: the file does not change between attempts.
    }

    @Override
    public int getAttempts() {
      return 1;
    }

    @Override
    public boolean keyLoaded(URIish uri, int attempt, Exception error) {
      return false;
    }
  }

  /**
   * OpenSSH's {@code StrictHostKeyChecking yes} over one file: whatever the ssh config or the
   * caller would say, an unknown or changed host key is refused and nothing is written.
   */
  private static final class StrictKnownHosts implements ServerKeyDatabase {
    private final OpenSshServerKeyDatabase delegate;
    private final Path knownHostsFile;

    StrictKnownHosts(Path knownHostsFile) {
      this.knownHostsFile = knownHostsFile;
      this.delegate = new OpenSshServerKeyDatabase(false, List.of(knownHostsFile));
    }

    @Override
    public List<PublicKey> lookup(
        String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
      return delegate.lookup(connectAddress, remoteAddress, strict(config));
    }

    @Override
    public boolean accept(
        String connectAddress,
        InetSocketAddress remoteAddress,
        PublicKey serverKey,
        Configuration config,
        CredentialsProvider provider) {
      return delegate.accept(connectAddress, remoteAddress, serverKey, strict(config), null);
    }

    private Configuration strict(Configuration config) {
      String user = config == null ? null : config.getUsername();
      String file = knownHostsFile.toString();
      return new Configuration() {
        @Override
        public List<String> getUserKnownHostsFiles() {
          return List.of(file);
        }

        @Override
        public List<String> getGlobalKnownHostsFiles() {
          return List.of();
        }

        @Override
        public StrictHostKeyChecking getStrictHostKeyChecking() {
          return StrictHostKeyChecking.REQUIRE_MATCH;
        }

        @Override
        public boolean getHashKnownHosts() {
          return false;
        }

        @Override
        public String getUsername() {
          return user;
        }
      };
    }
  }
}
