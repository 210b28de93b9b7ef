package dev.rotor.testsupport.git;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Credential;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.http.server.resolver.DefaultReceivePackFactory;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.AdvertiseRefsHook;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.ServiceMayNotContinueException;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.resolver.FileResolver;
import org.eclipse.jgit.transport.resolver.ServiceNotAuthorizedException;

/**
 * A real Git remote over HTTP for tests and the devstack: JGit's {@link GitServlet} on Jetty, bound
 * to loopback on a free port, with HTTP basic authentication. A writer may clone, fetch and push; a
 * reader may only clone and fetch (what a cluster-agent needs). Repositories are bare repositories
 * under a root folder, served at {@code http://127.0.0.1:<port>/git/<name>}.
 */
public final class GitServer implements AutoCloseable {
  private static final String WRITER_ROLE = "git-writer";
  private static final String READER_ROLE = "git-reader";

  private final Path root;
  private final ServedRepositories repositories;
  private final Server server;
  private final UserStore users = new UserStore();
  private final String writer;
  private final String writerPassword;
  private final Map<String, AtomicInteger> pushes = new ConcurrentHashMap<>();
  private final Map<String, Runnable> beforeNextPush = new ConcurrentHashMap<>();

  private GitServer(Path root, String writer, String writerPassword) {
    this.root = root;
    this.repositories = new ServedRepositories(root);
    this.writer = writer;
    this.writerPassword = writerPassword;
    this.server = new Server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  /**
   * Starts a server whose repositories live under {@code root}, with one user who may push.
   *
   * @param root where the bare repositories are kept (created if missing)
   * @param writer the user name that may clone, fetch and push
   * @param writerPassword its password
   */
  public static GitServer start(Path root, String writer, String writerPassword) {
    GitServer git = new GitServer(root, writer, writerPassword);
    git.startServer();
    return git;
  }

  private void startServer() {
    try {
      Files.createDirectories(root);
      GitServlet servlet = new GitServlet();
      servlet.setRepositoryResolver(new FileResolver<>(root.toFile(), true));
      servlet.setReceivePackFactory(
          (request, repository) -> {
            if (!request.isUserInRole(WRITER_ROLE)) {
              throw new ServiceNotAuthorizedException();
            }
            ReceivePack pack = new DefaultReceivePackFactory().create(request, repository);
            String name = nameOf(repository);
            AdvertiseRefsHook advertise = pack.getAdvertiseRefsHook();
            pack.setAdvertiseRefsHook(
                new AdvertiseRefsHook() {
                  @Override
                  public void advertiseRefs(UploadPack uploadPack)
                      throws ServiceMayNotContinueException {
                    advertise.advertiseRefs(uploadPack);
                  }

                  @Override
                  public void advertiseRefs(ReceivePack receivePack) throws IOException {
                    Runnable action = beforeNextPush.remove(name);
                    if (action != null) {
                      action.run();
                    }
                    advertise.advertiseRefs(receivePack);
                  }
                });
            pack.setPostReceiveHook(
                (rp, commands) -> {
                  if (!commands.isEmpty()) {
                    pushes.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
                  }
                  commands.stream()
                      .map(c -> name + " " + c.getRefName())
                      .distinct()
                      .forEach(
                          ref ->
                              pushes
                                  .computeIfAbsent(ref, n -> new AtomicInteger())
                                  .incrementAndGet());
                });
            return pack;
          });
      ServletContextHandler context = new ServletContextHandler("/");
      context.addServlet(new ServletHolder(servlet), "/git/*");

      users.addUser(writer, Credential.getCredential(writerPassword), new String[] {WRITER_ROLE});
      HashLoginService login = new HashLoginService("rotor-git");
      login.setUserStore(users);
      ConstraintSecurityHandler security = new ConstraintSecurityHandler();
      security.setLoginService(login);
      security.setAuthenticator(new BasicAuthenticator());
      ConstraintMapping mapping = new ConstraintMapping();
      mapping.setPathSpec("/*");
      mapping.setConstraint(Constraint.from(WRITER_ROLE, READER_ROLE));
      security.addConstraintMapping(mapping);
      context.setSecurityHandler(security);

      server.setHandler(context);
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the Git server", e);
    }
  }

  /**
   * How many pushes repository {@code name} received (one per push, however many branches it
   * updated), counting those of which the server applied some update or refused them all.
   */
  public int pushes(String name) {
    AtomicInteger count = pushes.get(name);
    return count == null ? 0 : count.get();
  }

  /** How many pushes to repository {@code name} carried an update of {@code branch}. */
  public int pushesTo(String name, String branch) {
    AtomicInteger count = pushes.get(name + " refs/heads/" + branch);
    return count == null ? 0 : count.get();
  }

  /**
   * Runs {@code action} once, when the next push to repository {@code name} asks which refs the
   * server has: a test moves a branch there, as someone pushing at the same moment would.
   */
  public void beforeNextPush(String name, Runnable action) {
    beforeNextPush.put(name, action);
  }

  /** Adds a user who may clone and fetch but not push. */
  public void addReader(String user, String password) {
    users.addUser(user, Credential.getCredential(password), new String[] {READER_ROLE});
  }

  /** The port the server listens on (loopback only). */
  public int port() {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /** The clone URL of repository {@code name} (e.g. {@code aether/gitops.git}). */
  public String url(String name) {
    return "http://127.0.0.1:" + port() + "/git/" + name;
  }

  /** The writer's credentials, for a JGit client. */
  public CredentialsProvider writerCredentials() {
    return new UsernamePasswordCredentialsProvider(writer, writerPassword);
  }

  /** Creates an empty bare repository {@code name} and returns its clone URL. */
  public String createRepository(String name) {
    repositories.create(name);
    return url(name);
  }

  /**
   * Commits {@code files} (path to UTF-8 content) on {@code branch} of repository {@code name} and
   * pushes it through the server, as a person editing the repository would.
   *
   * @return the new commit id
   */
  public String commit(String name, String branch, Map<String, String> files, String message) {
    return repositories.commit(name, url(name), writerCredentials(), branch, files, message);
  }

  /** Opens the bare repository {@code name} for inspection (close it after use). */
  public Repository open(String name) {
    return repositories.open(name);
  }

  /** The name of a served repository, relative to the root ({@code aether/gitops.git}). */
  private String nameOf(Repository repository) {
    return root.toAbsolutePath()
        .normalize()
        .relativize(repository.getDirectory().toPath().toAbsolutePath().normalize())
        .toString()
        .replace('\\', '/');
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the Git server", e);
    }
  }
}
