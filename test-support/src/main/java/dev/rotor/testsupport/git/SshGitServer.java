package dev.rotor.testsupport.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.session.ServerSession;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A real Git remote over SSH for tests: Apache MINA sshd's {@link SshServer} on loopback, a free
 * port, serving {@code git-upload-pack} and {@code git-receive-pack} with JGit's {@link UploadPack}
 * and {@link ReceivePack} on bare repositories under a root folder. Public-key authentication only:
 * a generated writer key may fetch and push, keys added with {@link #addReader} may only fetch. The
 * host key is generated too; {@link #writeKnownHosts} writes the line a client trusts it with.
 * Repositories are served at {@code ssh://git@127.0.0.1:<port>/<name>}.
 */
public final class SshGitServer implements AutoCloseable {
  private final Path root;
  private final ServedRepositories repositories;
  private final SshServer server;
  private final KeyPair hostKey;
  private final KeyPair writerKey;
  private final List<PublicKey> writers = new CopyOnWriteArrayList<>();
  private final List<PublicKey> readers = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> pushes = new ConcurrentHashMap<>();
  private final Set<String> connections = ConcurrentHashMap.newKeySet();

  private SshGitServer(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.repositories = new ServedRepositories(this.root);
    this.hostKey = generateKey();
    this.writerKey = generateKey();
    this.writers.add(writerKey.getPublic());
    this.server = SshServer.setUpDefaultServer();
  }

  /** Starts a server whose bare repositories live under {@code root} (created if missing). */
  public static SshGitServer start(Path root) {
    SshGitServer git = new SshGitServer(root);
    git.startServer();
    return git;
  }

  /** A new EC P-256 key pair (a client key, or a host key other than this server's). */
  public static KeyPair generateKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private void startServer() {
    try {
      Files.createDirectories(root);
      server.setHost("127.0.0.1");
      server.setPort(0);
      server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
      server.setPasswordAuthenticator(null);
      server.setKeyboardInteractiveAuthenticator(null);
      server.setHostBasedAuthenticator(null);
      server.setPublickeyAuthenticator(
          (user, key, session) -> {
            if (contains(writers, key)) {
              session.setAttribute(WRITER, Boolean.TRUE);
              return true;
            }
            return contains(readers, key);
          });
      server.setCommandFactory(new GitCommands());
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the SSH Git server", e);
    }
  }

  private static final org.apache.sshd.common.AttributeRepository.AttributeKey<Boolean> WRITER =
      new org.apache.sshd.common.AttributeRepository.AttributeKey<>();

  private static boolean contains(List<PublicKey> keys, PublicKey key) {
    return keys.stream().anyMatch(k -> KeyUtils.compareKeys(k, key));
  }

  /** The port the server listens on (loopback only). */
  public int port() {
    return server.getPort();
  }

  /** The clone URL of repository {@code name} (e.g. {@code aether/gitops.git}). */
  public String url(String name) {
    return "ssh://git@127.0.0.1:" + port() + "/" + name;
  }

  /** The server's host key pair. */
  public KeyPair hostKey() {
    return hostKey;
  }

  /** The key pair that may fetch and push. */
  public KeyPair writerKey() {
    return writerKey;
  }

  /** Allows {@code key} to fetch, not to push. */
  public void addReader(PublicKey key) {
    readers.add(key);
  }

  /** How many pushes repository {@code name} received that updated or tried to update a ref. */
  public int pushes(String name) {
    AtomicInteger count = pushes.get(name);
    return count == null ? 0 : count.get();
  }

  /** How many SSH sessions authenticated and ran a Git command, per repository name. */
  public Set<String> servedRepositories() {
    return Set.copyOf(connections);
  }

  /**
   * Writes {@code key} as an OpenSSH private key file (mode 0600 where the file system has modes),
   * encrypted with {@code passphrase} unless it is null.
   */
  public static Path writePrivateKey(Path file, KeyPair key, String passphrase) {
    try {
      OpenSSHKeyEncryptionContext encryption = null;
      if (passphrase != null) {
        encryption = new OpenSSHKeyEncryptionContext();
        encryption.setCipherName("AES");
        encryption.setCipherType("256");
        encryption.setPassword(passphrase);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "rotor-test", encryption, out);
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, out.toByteArray());
      try {
        Files.setPosixFilePermissions(
            file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the writer key as an unencrypted OpenSSH private key file. */
  public Path writeWriterKey(Path file) {
    return writePrivateKey(file, writerKey, null);
  }

  /**
   * The base64 body of an OpenSSH private key file as {@link #writePrivateKey} writes it, joined
   * without line breaks: what a leak check looks for (also each line of it on its own).
   */
  public static List<String> privateKeyLines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.US_ASCII).stream()
          .filter(l -> !l.startsWith("-----") && !l.isBlank())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a known_hosts file that trusts this server's host key. */
  public Path writeKnownHosts(Path file) {
    return writeKnownHosts(file, hostKey.getPublic());
  }

  /** Writes a known_hosts file that names this server's address with {@code key}. */
  public Path writeKnownHosts(Path file, PublicKey key) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(key) + "\n");
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates an empty bare repository {@code name} (branch {@code main}) and returns its URL. */
  public String createRepository(String name) {
    repositories.create(name);
    return url(name);
  }

  /**
   * Commits {@code files} (path to UTF-8 content) on {@code branch} of repository {@code name},
   * directly in the served repository (not through SSH), as a person editing it would.
   *
   * @return the new commit id
   */
  public String commit(String name, String branch, Map<String, String> files, String message) {
    String remote = repositories.directory(name).toUri().toString();
    return repositories.commit(name, remote, null, branch, files, message);
  }

  /** Opens the bare repository {@code name} for inspection (close it after use). */
  public Repository open(String name) {
    return repositories.open(name);
  }

  @Override
  public void close() {
    try {
      server.stop(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stop the SSH Git server", e);
    }
  }

  /** {@code git-upload-pack '<path>'} and {@code git-receive-pack '<path>'}; nothing else. */
  private final class GitCommands implements CommandFactory {
    @Override
    public Command createCommand(ChannelSession channel, String command) {
      List<String> words = CommandFactory.split(command);
      if (words.size() != 2
          || !(words.get(0).equals("git-upload-pack") || words.get(0).equals("git-receive-pack"))) {
        return new GitCommand(null, null, "unsupported command\n");
      }
      String name = words.get(1);
      if (name.length() > 1 && name.startsWith("'") && name.endsWith("'")) {
        name = name.substring(1, name.length() - 1);
      }
      while (name.startsWith("/")) {
        name = name.substring(1);
      }
      return new GitCommand(words.get(0), name, null);
    }
  }

  private final class GitCommand implements Command {
    private final String service;
    private final String name;
    private final String refusal;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Thread thread;

    GitCommand(String service, String name, String refusal) {
      this.service = service;
      this.name = name;
      this.refusal = refusal;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback exit) {
      this.exit = exit;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      ServerSession session = channel.getServerSession();
      boolean writer = Boolean.TRUE.equals(session.getAttribute(WRITER));
      thread = new Thread(() -> run(writer), "ssh-git-" + service);
      thread.setDaemon(true);
      thread.start();
    }

    private void run(boolean writer) {
      int status = 0;
      String message = refusal;
      try {
        if (message == null) {
          Path dir;
          try {
            dir = repositories.directory(name);
          } catch (IllegalArgumentException e) {
            dir = null;
          }
          if (dir == null || !Files.isDirectory(dir)) {
            message = "repository not found: " + name + "\n";
          } else if (service.equals("git-receive-pack") && !writer) {
            message = "this key may not push\n";
          } else {
            connections.add(name);
            try (Repository repository = open(name)) {
              if (service.equals("git-upload-pack")) {
                new UploadPack(repository).upload(in, out, err);
              } else {
                ReceivePack pack = new ReceivePack(repository);
                pack.setPostReceiveHook(
                    (rp, commands) -> {
                      if (!commands.isEmpty()) {
                        pushes.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
                      }
                    });
                pack.receive(in, out, err);
              }
            }
          }
        }
        if (message != null) {
          status = 1;
          err.write(message.getBytes(StandardCharsets.UTF_8));
          err.flush();
        }
      } catch (IOException | RuntimeException e) {
        status = 1;
      } finally {
        exit.onExit(status);
      }
    }

    @Override
    public void destroy(ChannelSession channel) {
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
