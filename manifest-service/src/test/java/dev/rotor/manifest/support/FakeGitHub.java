package dev.rotor.manifest.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the part of GitHub's REST API one pull request needs, in GitHub's shapes: it opens
 * pull request #7 of one repository, answers its state and an empty review list, takes comments and
 * a close, and is merged by the test (as a person merging in GitHub's UI). It listens on the port
 * {@link GitServerResource} configured as {@code github.api-url}. The JDK's HTTP server keeps it
 * clear of the application's own libraries.
 */
public final class FakeGitHub implements AutoCloseable {
  private static final Pattern HEAD = Pattern.compile("\"head\"\\s*:\\s*\"([^\"]+)\"");

  private final HttpServer server;
  private final GitRemote remote;
  private final String name;
  private final AtomicInteger reads = new AtomicInteger();
  private volatile String branch;
  private volatile String headSha;
  private volatile String state = "open";
  private volatile String mergeCommit;
  private volatile String mergedBy;

  private FakeGitHub(GitRemote remote, String name) {
    this.remote = remote;
    this.name = name;
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(
                  InetAddress.getLoopbackAddress(),
                  Integer.getInteger(GitServerResource.GITHUB_PORT_PROPERTY)),
              0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.start();
  }

  /** Serves repository {@code name} ({@code owner/name}) of {@code remote}. */
  public static FakeGitHub start(GitRemote remote, String name) {
    return new FakeGitHub(remote, name);
  }

  /** How often the pull request was read. */
  public int reads() {
    return reads.get();
  }

  /** A person merged the pull request as {@code commit}. */
  public void merged(String commit, String by) {
    mergeCommit = commit;
    mergedBy = by;
    state = "closed";
  }

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String pulls = "/repos/" + name + "/pulls";
    if (method.equals("POST") && path.equals(pulls)) {
      Matcher head = HEAD.matcher(body);
      if (!head.find()) {
        answer(exchange, 422, "{\"message\":\"Validation Failed\"}");
        return;
      }
      branch = head.group(1);
      headSha = remote.branch(name, branch).orElseThrow();
      answer(exchange, 201, pullRequest());
    } else if (method.equals("GET") && path.equals(pulls + "/7")) {
      reads.incrementAndGet();
      answer(exchange, 200, pullRequest());
    } else if (method.equals("GET") && path.equals(pulls + "/7/reviews")) {
      answer(exchange, 200, "[]");
    } else if (method.equals("POST") && path.equals("/repos/" + name + "/issues/7/comments")) {
      answer(exchange, 201, "{\"id\":1,\"body\":\"comment\"}");
    } else if (method.equals("PATCH") && path.equals(pulls + "/7")) {
      if (mergeCommit == null) {
        state = "closed";
      }
      answer(exchange, 200, pullRequest());
    } else {
      answer(
          exchange,
          404,
          "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs.github.com/rest\"}");
    }
  }

  private String pullRequest() {
    return "{\"number\":7,\"state\":\""
        + state
        + "\",\"html_url\":\"https://github.com/"
        + name
        + "/pull/7\",\"user\":{\"login\":\"rotor-bot\"},"
        + "\"head\":{\"ref\":\""
        + branch
        + "\",\"sha\":\""
        + headSha
        + "\"},\"base\":{\"ref\":\"main\"},\"merged\":"
        + (mergeCommit != null)
        + ",\"merge_commit_sha\":"
        + (mergeCommit == null ? "null" : "\"" + mergeCommit + "\"")
        + ",\"merged_by\":"
        + (mergedBy == null ? "null" : "{\"login\":\"" + mergedBy + "\"}")
        + "}";
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
