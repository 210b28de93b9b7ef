package dev.rotor.manifest.review;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.TransientException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The few GitHub REST endpoints Rotor uses, over the JDK's HTTP client, with GitHub's errors mapped
 * to what Rotor does: 401 and 403 (without a rate limit) refuse (GIT_REFUSED), 404 says the
 * repository or pull request is not there or not visible to the token, 403/429 with an exhausted
 * rate limit waits for the reset (up to a bound, else the step is retried at the reset), 5xx and
 * network errors are transient. The token goes into the Authorization header only: never into a
 * message or a log line.
 */
public final class GitHubClient {
  private static final String API_VERSION = "2022-11-28";
  private static final int RATE_LIMIT_RETRIES = 3;

  /** A pull request, as far as Rotor reads it. */
  public record PullRequest(
      int number,
      String url,
      String state,
      boolean merged,
      String mergeCommitSha,
      String headSha,
      String author,
      String mergedBy) {}

  /** One review of a pull request. */
  public record Review(String user, String state, String commitId) {}

  /** GitHub refused a merge for now (405: not mergeable yet, e.g. checks pending). */
  public static final class NotMergeable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotMergeable(String message) {
      super(message, null, false, false);
    }
  }

  private final URI apiUrl;
  private final String token;
  private final Duration requestTimeout;
  private final Duration maxRateLimitWait;
  private final Clock clock;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final Consumer<Integer> statusListener;

  public GitHubClient(
      URI apiUrl,
      String token,
      Duration requestTimeout,
      Duration maxRateLimitWait,
      Clock clock,
      Consumer<Integer> statusListener) {
    this.apiUrl = apiUrl;
    this.token = token;
    this.requestTimeout = requestTimeout;
    this.maxRateLimitWait = maxRateLimitWait;
    this.clock = clock;
    this.statusListener = statusListener;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(requestTimeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /**
   * Opens a pull request, or returns the open one for the same branch (GitHub answers 422 "A pull
   * request already exists").
   */
  public PullRequest createPullRequest(
      String repo, String title, String head, String base, String body) {
    ObjectNode request = json.createObjectNode();
    request.put("title", title);
    request.put("head", head);
    request.put("base", base);
    request.put("body", body);
    request.put("maintainer_can_modify", false);
    Response response = send("POST", "/repos/" + repo + "/pulls", request, "open a pull request");
    if (response.status() == 201) {
      return pullRequest(response.body());
    }
    if (response.status() == 422 && alreadyExists(response.body())) {
      return findPullRequest(repo, head)
          .orElseThrow(
              () ->
                  RotationFailedException.refused(
                      "GitHub says a pull request for "
                          + head
                          + " exists in "
                          + repo
                          + ", but lists none"));
    }
    throw unexpected(response, "open a pull request in " + repo);
  }

  /** The newest pull request (open or not) whose head is {@code branch} of the same repository. */
  public Optional<PullRequest> findPullRequest(String repo, String branch) {
    String owner = repo.substring(0, repo.indexOf('/'));
    String head = URLEncoder.encode(owner + ":" + branch, StandardCharsets.UTF_8);
    Response response =
        send(
            "GET",
            "/repos/" + repo + "/pulls?state=all&per_page=10&head=" + head,
            null,
            "list pull requests");
    if (response.status() != 200) {
      throw unexpected(response, "list the pull requests of " + repo);
    }
    JsonNode list = response.body();
    return list.isArray() && list.size() > 0
        ? Optional.of(pullRequest(list.get(0)))
        : Optional.empty();
  }

  public PullRequest pullRequest(String repo, int number) {
    Response response =
        send("GET", "/repos/" + repo + "/pulls/" + number, null, "read a pull request");
    if (response.status() != 200) {
      throw unexpected(response, "read pull request #" + number + " of " + repo);
    }
    return pullRequest(response.body());
  }

  /** Every review of a pull request, oldest first (all pages). */
  public List<Review> reviews(String repo, int number) {
    List<Review> reviews = new ArrayList<>();
    for (int page = 1; page <= 30; page++) {
      Response response =
          send(
              "GET",
              "/repos/" + repo + "/pulls/" + number + "/reviews?per_page=100&page=" + page,
              null,
              "read reviews");
      if (response.status() != 200) {
        throw unexpected(response, "read the reviews of pull request #" + number + " of " + repo);
      }
      JsonNode list = response.body();
      for (JsonNode review : list) {
        reviews.add(
            new Review(
                review.path("user").path("login").asText(""),
                review.path("state").asText(""),
                review.path("commit_id").asText("")));
      }
      if (list.size() < 100) {
        break;
      }
    }
    return reviews;
  }

  /** Whether {@code user} is an active member of team {@code org/teamSlug}. */
  public boolean isTeamMember(String org, String teamSlug, String user) {
    Response response =
        send(
            "GET",
            "/orgs/"
                + org
                + "/teams/"
                + teamSlug
                + "/memberships/"
                + URLEncoder.encode(user, StandardCharsets.UTF_8),
            null,
            "read a team membership");
    if (response.status() == 200) {
      return "active".equals(response.body().path("state").asText());
    }
    if (response.status() == 404) {
      return false;
    }
    throw unexpected(
        response, "read the membership of " + user + " in team " + org + "/" + teamSlug);
  }

  /**
   * Merges a pull request whose head is {@code sha}, and returns the merge's commit.
   *
   * @throws NotMergeable when GitHub cannot merge it yet (405)
   * @throws RotationFailedException {@code MANIFEST_CONFLICT} when the head moved (409)
   */
  public String merge(String repo, int number, String sha, String method, String title) {
    ObjectNode request = json.createObjectNode();
    request.put("sha", sha);
    request.put("merge_method", method);
    request.put("commit_title", title);
    Response response =
        send("PUT", "/repos/" + repo + "/pulls/" + number + "/merge", request, "merge");
    return switch (response.status()) {
      case 200 -> response.body().path("sha").asText();
      case 405 ->
          throw new NotMergeable(
              "GitHub cannot merge pull request #"
                  + number
                  + " of "
                  + repo
                  + " yet: "
                  + message(response.body()));
      case 409 ->
          throw RotationFailedException.conflict(
              "pull request #"
                  + number
                  + " of "
                  + repo
                  + " changed since Rotor proposed it ("
                  + message(response.body())
                  + "); Rotor merges only the commits it wrote");
      default -> throw unexpected(response, "merge pull request #" + number + " of " + repo);
    };
  }

  /** Adds a comment to a pull request. */
  public void comment(String repo, int number, String body) {
    ObjectNode request = json.createObjectNode();
    request.put("body", body);
    Response response =
        send("POST", "/repos/" + repo + "/issues/" + number + "/comments", request, "comment");
    if (response.status() != 201) {
      throw unexpected(response, "comment on pull request #" + number + " of " + repo);
    }
  }

  /** Closes a pull request without merging it. */
  public void close(String repo, int number) {
    ObjectNode request = json.createObjectNode();
    request.put("state", "closed");
    Response response = send("PATCH", "/repos/" + repo + "/pulls/" + number, request, "close");
    if (response.status() != 200) {
      throw unexpected(response, "close pull request #" + number + " of " + repo);
    }
  }

  // ---- transport

  private record Response(int status, JsonNode body) {}

  private Response send(String method, String path, JsonNode body, String what) {
    for (int attempt = 0; ; attempt++) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(apiUrl.resolve(apiUrl.getPath().replaceAll("/$", "") + path))
              .timeout(requestTimeout)
              .header("Accept", "application/vnd.github+json")
              .header("X-GitHub-Api-Version", API_VERSION)
              .header("User-Agent", "rotor-manifest-service")
              .header("Authorization", "Bearer " + token);
      if (body == null) {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        request
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
      }
      HttpResponse<String> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new TransientException(
            "GitHub did not answer (" + what + "): " + e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransientException("interrupted while calling GitHub (" + what + ")");
      }
      statusListener.accept(response.statusCode());
      JsonNode parsed = parse(response.body());
      Optional<Instant> reset = rateLimitReset(response);
      if (reset.isPresent()) {
        Duration wait = Duration.between(clock.instant(), reset.get());
        if (wait.isNegative()) {
          wait = Duration.ZERO;
        }
        if (attempt >= RATE_LIMIT_RETRIES || wait.compareTo(maxRateLimitWait) > 0) {
          throw new TransientException(
              "GitHub's rate limit is exhausted (" + what + "); it resets at " + reset.get(),
              reset.get());
        }
        sleep(wait.plusMillis(250));
        continue;
      }
      int status = response.statusCode();
      if (status >= 500) {
        throw new TransientException(
            "GitHub answered " + status + " (" + what + "): " + message(parsed));
      }
      if (status == 401) {
        throw RotationFailedException.refused(
            "GitHub refused the token (401 "
                + message(parsed)
                + ") when Rotor tried to "
                + what
                + "; check rotor.manifest-service.github.token");
      }
      if (status == 403) {
        throw RotationFailedException.refused(
            "GitHub forbids Rotor to "
                + what
                + " (403 "
                + message(parsed)
                + "); the token needs the pull requests and contents permissions on the"
                + " repository, and members read on the policy's teams");
      }
      return new Response(status, parsed);
    }
  }

  /**
   * When GitHub says to wait: a primary rate limit (403/429 with {@code x-ratelimit-remaining: 0}
   * and {@code x-ratelimit-reset}) or a secondary one ({@code retry-after} seconds).
   */
  private Optional<Instant> rateLimitReset(HttpResponse<String> response) {
    int status = response.statusCode();
    if (status != 403 && status != 429) {
      return Optional.empty();
    }
    Optional<String> retryAfter = response.headers().firstValue("retry-after");
    if (retryAfter.isPresent()) {
      try {
        return Optional.of(clock.instant().plusSeconds(Long.parseLong(retryAfter.get().strip())));
      } catch (NumberFormatException e) {
        return Optional.of(clock.instant().plusSeconds(60));
      }
    }
    if ("0".equals(response.headers().firstValue("x-ratelimit-remaining").orElse(null))) {
      Optional<String> reset = response.headers().firstValue("x-ratelimit-reset");
      try {
        return Optional.of(
            reset
                .map(r -> Instant.ofEpochSecond(Long.parseLong(r.strip())))
                .orElse(clock.instant().plusSeconds(60)));
      } catch (NumberFormatException e) {
        return Optional.of(clock.instant().plusSeconds(60));
      }
    }
    return status == 429 ? Optional.of(clock.instant().plusSeconds(60)) : Optional.empty();
  }

  private static void sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("interrupted while waiting for GitHub's rate limit");
    }
  }

  private JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return json.createObjectNode();
    }
    try {
      return json.readTree(body);
    } catch (IOException e) {
      return json.createObjectNode();
    }
  }

  private PullRequest pullRequest(JsonNode pr) {
    return new PullRequest(
        pr.path("number").asInt(),
        pr.path("html_url").asText(null),
        pr.path("state").asText(""),
        pr.path("merged").asBoolean(false),
        pr.path("merge_commit_sha").isTextual() ? pr.path("merge_commit_sha").asText() : null,
        pr.path("head").path("sha").asText(""),
        pr.path("user").path("login").asText(""),
        pr.path("merged_by").path("login").isTextual()
            ? pr.path("merged_by").path("login").asText()
            : null);
  }

  private static boolean alreadyExists(JsonNode body) {
    for (JsonNode error : body.path("errors")) {
      if (error.path("message").asText("").startsWith("A pull request already exists")) {
        return true;
      }
    }
    return false;
  }

  private static String message(JsonNode body) {
    String message = body.path("message").asText("");
    StringBuilder out = new StringBuilder(message.isEmpty() ? "no message" : message);
    for (JsonNode error : body.path("errors")) {
      String detail = error.path("message").asText(error.path("code").asText(""));
      if (!detail.isEmpty()) {
        out.append("; ").append(detail);
      }
    }
    String text = out.toString().replaceAll("[\\p{Cntrl}]", " ");
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }

  private static RuntimeException unexpected(Response response, String what) {
    if (response.status() == 404) {
      return RotationFailedException.refused(
          "GitHub: not found (404) when Rotor tried to "
              + what
              + ": the repository or pull request does not exist, or the token cannot see it");
    }
    return RotationFailedException.refused(
        "GitHub answered "
            + response.status()
            + " when Rotor tried to "
            + what
            + ": "
            + message(response.body()));
  }
}
