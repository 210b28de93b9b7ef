package dev.rotor.manifest.review;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.rotor.manifest.support.Rotations.PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.TransientException;
import dev.rotor.manifest.git.GitCredentials;
import dev.rotor.manifest.git.GitRepositories;
import dev.rotor.manifest.git.ManifestChanges;
import dev.rotor.manifest.keyring.EntryValues;
import dev.rotor.manifest.keyring.SealedEntryValues;
import dev.rotor.manifest.rotation.RotationRecord;
import dev.rotor.manifest.support.GitRemote;
import dev.rotor.manifest.support.Leaks;
import dev.rotor.manifest.support.Rotations;
import dev.rotor.manifest.support.SealingController;
import java.net.URI;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The GitHub provider against a local stand-in for GitHub's REST API (WireMock) that answers with
 * GitHub's documented shapes and errors, and a real Git server for the repository.
 */
class GitHubReviewTest {
  private static final String TOKEN =
      "ghp_test_token_" + UUID.randomUUID().toString().replace("-", "");
  private static GitRemote remote;
  private static SealingController controller;
  private static WireMockServer github;

  private Rotations.Generated generated;
  private KeyGenerated key;
  private ManifestChanges changes;
  private ManifestChanges.Proposal proposal;
  private GitHubReview review;
  private String repo;
  private String name;

  @BeforeAll
  static void start() {
    remote = new GitRemote();
    controller = SealingController.generate();
    github = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    github.start();
  }

  @AfterAll
  static void stop() {
    github.stop();
    remote.close();
  }

  @BeforeEach
  void propose() {
    github.resetAll();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    name = "aether/gitops-" + suffix;
    repo = "aether/gitops-" + suffix;
    String url =
        remote.repositoryWith(name, Map.of(PATH, Rotations.sealedManifest(controller, "aaaaaaaa")));
    Plan plan =
        Rotations.plan(
            url,
            ManifestFormat.SEALED_SECRET,
            controller,
            ReviewProvider.GITHUB,
            2,
            List.of("security"),
            2);
    generated = Rotations.generate(plan, "gh-" + suffix, "alice", null);
    key = generated.event();
    changes =
        new ManifestChanges(
            new GitRepositories(
                Paths.get(System.getProperty("rotor.test.tmpdir", "target"))
                    .toAbsolutePath()
                    .resolve("cache-gh-" + suffix),
                u -> Optional.of(new GitCredentials(GitRemote.WRITER, GitRemote.PASSWORD)),
                Duration.ofSeconds(20)),
            new ManifestChanges.Settings(
                "Rotor", "rotor@rotor.invalid", "example.com", 500, 3, true),
            Clock.systemUTC());
    try (EntryValues values = SealedEntryValues.of(key)) {
      proposal = changes.propose(key, values);
    }
    review = reviewWithWait(Duration.ofSeconds(5));
  }

  @AfterEach
  void closeKey() {
    generated.key().close();
  }

  private GitHubReview reviewWithWait(Duration maxWait) {
    GitHubClient client =
        new GitHubClient(
            URI.create(github.baseUrl()),
            TOKEN,
            Duration.ofSeconds(5),
            maxWait,
            Clock.systemUTC(),
            status -> {});
    return new GitHubReview(client, changes, Clock.systemUTC(), Duration.ofSeconds(30), "merge");
  }

  private RotationRecord rotation() {
    RotationRecord r = new RotationRecord();
    r.rotationId = key.rotationId();
    r.targetId = key.targetId();
    r.branch = proposal.branch();
    r.distributeCommit = proposal.distributeCommit();
    r.promoteCommit = proposal.promoteCommit();
    r.changeRequestRepo = repo;
    r.changeRequestNumber = 7;
    r.changeRequestUrl = "https://github.com/" + repo + "/pull/7";
    return r;
  }

  private String pullRequest(String state, boolean merged, String mergeSha, String mergedBy) {
    return "{\"url\":\"https://api.github.com/repos/"
        + repo
        + "/pulls/7\",\"id\":1,"
        + "\"number\":7,\"state\":\""
        + state
        + "\",\"locked\":false,"
        + "\"title\":\"Rotor: rotate\",\"user\":{\"login\":\"rotor-bot\",\"type\":\"Bot\"},"
        + "\"html_url\":\"https://github.com/"
        + repo
        + "/pull/7\","
        + "\"head\":{\"label\":\"aether:"
        + proposal.branch()
        + "\",\"ref\":\""
        + proposal.branch()
        + "\",\"sha\":\""
        + proposal.promoteCommit()
        + "\"},"
        + "\"base\":{\"label\":\"aether:main\",\"ref\":\"main\",\"sha\":\""
        + proposal.baseCommit()
        + "\"},"
        + "\"merged\":"
        + merged
        + ",\"mergeable\":true,"
        + "\"merge_commit_sha\":"
        + (mergeSha == null ? "null" : "\"" + mergeSha + "\"")
        + ","
        + "\"merged_by\":"
        + (mergedBy == null ? "null" : "{\"login\":\"" + mergedBy + "\"}")
        + "}";
  }

  private static String reviewJson(long id, String user, String state, String commit) {
    return "{\"id\":"
        + id
        + ",\"user\":{\"login\":\""
        + user
        + "\"},\"body\":\"\",\"state\":\""
        + state
        + "\",\"commit_id\":\""
        + commit
        + "\",\"submitted_at\":\"2026-11-26T06:0"
        + id
        + ":00Z\"}";
  }

  private void stubPullRequest(String body) {
    github.stubFor(get(urlEqualTo("/repos/" + repo + "/pulls/7")).willReturn(json(200, body)));
  }

  private void stubMembership(String user, boolean member) {
    github.stubFor(
        get(urlEqualTo("/orgs/aether/teams/security/memberships/" + user))
            .willReturn(
                member
                    ? json(200, "{\"url\":\"x\",\"role\":\"member\",\"state\":\"active\"}")
                    : json(
                        404,
                        "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"404\"}")));
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(
      int status, String body) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json; charset=utf-8")
        .withBody(body);
  }

  @Test
  void opensAPullRequestWhoseBodyShowsTargetFingerprintPlanStagesAndSoakButNeverTheKey() {
    github.stubFor(
        post(urlEqualTo("/repos/" + repo + "/pulls"))
            .willReturn(json(201, pullRequest("open", false, null, null))));

    ChangeRequest opened = review.open(rotation(), key, proposal);

    assertThat(opened)
        .isEqualTo(new ChangeRequest(repo, 7, "https://github.com/" + repo + "/pull/7"));
    List<LoggedRequest> requests =
        github.findAll(postRequestedFor(urlEqualTo("/repos/" + repo + "/pulls")));
    assertThat(requests).hasSize(1);
    LoggedRequest request = requests.get(0);
    assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(request.getHeader("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
    String body = request.getBodyAsString();
    assertThat(body)
        .contains("\"head\":\"" + proposal.branch() + "\"", "\"base\":\"main\"")
        .contains(key.targetId(), key.fingerprint(), key.rotationId())
        .contains("aether-staging", "aether-production", "PT10M", "PT30M")
        .contains(
            "2 required, from security", proposal.distributeCommit(), proposal.promoteCommit())
        .contains("`aaaaaaaa` (stays decrypt-only)");
    assertThat(Leaks.in(body, generated.plaintextForms())).isEmpty();
  }

  @Test
  void reusesThePullRequestGitHubSaysAlreadyExistsForTheBranch() {
    github.stubFor(
        post(urlEqualTo("/repos/" + repo + "/pulls"))
            .willReturn(
                json(
                    422,
                    "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"PullRequest\","
                        + "\"code\":\"custom\",\"message\":\"A pull request already exists for aether:"
                        + proposal.branch()
                        + ".\"}],\"documentation_url\":\"https://docs.github.com/rest/pulls/pulls#create-a-pull-request\",\"status\":\"422\"}")));
    github.stubFor(
        get(urlPathEqualTo("/repos/" + repo + "/pulls"))
            .withQueryParam("head", equalTo("aether:" + proposal.branch()))
            .withQueryParam("state", equalTo("all"))
            .willReturn(json(200, "[" + pullRequest("open", false, null, null) + "]")));

    ChangeRequest opened = review.open(rotation(), key, proposal);

    assertThat(opened.number()).isEqualTo(7);
  }

  @Test
  void aRefusedTokenIsGitRefusedAndTheTokenAppearsInNoMessage() {
    github.stubFor(
        post(urlEqualTo("/repos/" + repo + "/pulls"))
            .willReturn(
                json(
                    401,
                    "{\"message\":\"Bad credentials\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"401\"}")));

    assertThatThrownBy(() -> review.open(rotation(), key, proposal))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED))
        .hasMessageContaining("GitHub refused the token (401 Bad credentials)")
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void aMissingRepositoryOrPullRequestSaysItIsNotThereOrNotVisible() {
    github.stubFor(
        get(urlEqualTo("/repos/" + repo + "/pulls/7"))
            .willReturn(
                json(
                    404,
                    "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs.github.com/rest/pulls/pulls#get-a-pull-request\",\"status\":\"404\"}")));

    assertThatThrownBy(() -> review.decide(rotation(), key, List.of()))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED))
        .hasMessageContaining("not found (404)")
        .hasMessageContaining("or the token cannot see it");
  }

  @Test
  void anExhaustedRateLimitIsWaitedOutUntilItsResetAndTheRequestRetried() {
    long reset = Instant.now().plusSeconds(1).getEpochSecond();
    github.stubFor(
        get(urlEqualTo("/repos/" + repo + "/pulls/7"))
            .inScenario("rate limit")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(
                json(
                        403,
                        "{\"message\":\"API rate limit exceeded for user ID 1.\",\"documentation_url\":\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api\"}")
                    .withHeader("x-ratelimit-limit", "5000")
                    .withHeader("x-ratelimit-remaining", "0")
                    .withHeader("x-ratelimit-used", "5000")
                    .withHeader("x-ratelimit-reset", Long.toString(reset)))
            .willSetStateTo("reset"));
    github.stubFor(
        get(urlEqualTo("/repos/" + repo + "/pulls/7"))
            .inScenario("rate limit")
            .whenScenarioStateIs("reset")
            .willReturn(json(200, pullRequest("open", false, null, null))));
    github.stubFor(
        get(urlPathEqualTo("/repos/" + repo + "/pulls/7/reviews")).willReturn(json(200, "[]")));
    Instant before = Instant.now();

    Decision decision = review.decide(rotation(), key, List.of());

    assertThat(decision).isInstanceOf(Decision.Pending.class);
    assertThat(Instant.now()).isAfterOrEqualTo(Instant.ofEpochSecond(reset));
    assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(5));
    github.verify(2, getRequestedFor(urlEqualTo("/repos/" + repo + "/pulls/7")));
  }

  @Test
  void aRateLimitThatResetsLaterThanRotorWaitsReschedulesTheStepForTheReset() {
    long reset = Instant.now().plusSeconds(3600).getEpochSecond();
    github.stubFor(
        get(urlEqualTo("/repos/" + repo + "/pulls/7"))
            .willReturn(
                json(403, "{\"message\":\"API rate limit exceeded\"}")
                    .withHeader("x-ratelimit-remaining", "0")
                    .withHeader("x-ratelimit-reset", Long.toString(reset))));

    assertThatThrownBy(() -> review.decide(rotation(), key, List.of()))
        .isInstanceOfSatisfying(
            TransientException.class,
            e -> assertThat(e.retryAt()).contains(Instant.ofEpochSecond(reset)));
  }

  @Test
  void countsOnlyTheLatestApprovalsOfTeamMembersOnTheCurrentHeadAndNeverTheRequesters() {
    stubPullRequest(pullRequest("open", false, null, null));
    String head = proposal.promoteCommit();
    String reviews =
        "["
            + reviewJson(1, "alice", "APPROVED", head)
            + ","
            + reviewJson(2, "bob", "APPROVED", proposal.distributeCommit())
            + ","
            + reviewJson(3, "carol", "APPROVED", head)
            + ","
            + reviewJson(4, "carol", "CHANGES_REQUESTED", head)
            + ","
            + reviewJson(5, "dave", "APPROVED", head)
            + ","
            + reviewJson(6, "erin", "APPROVED", head)
            + ","
            + reviewJson(7, "dave", "COMMENTED", head)
            + "]";
    github.stubFor(
        get(urlPathEqualTo("/repos/" + repo + "/pulls/7/reviews")).willReturn(json(200, reviews)));
    for (String member : List.of("alice", "bob", "carol", "dave", "gina")) {
      stubMembership(member, true);
    }
    stubMembership("erin", false);

    assertThat(review.decide(rotation(), key, List.of()))
        .isInstanceOfSatisfying(
            Decision.Pending.class, p -> assertThat(p.nextCheck()).isAfter(Instant.now()));

    github.stubFor(
        get(urlPathEqualTo("/repos/" + repo + "/pulls/7/reviews"))
            .willReturn(
                json(
                    200,
                    reviews.substring(0, reviews.length() - 1)
                        + ","
                        + reviewJson(8, "gina", "APPROVED", head)
                        + "]")));

    assertThat(review.decide(rotation(), key, List.of()))
        .isEqualTo(new Decision.Approved(List.of("dave", "gina"), false));
  }

  @Test
  void mergesThroughGitHubsApiAndFindsTheDistributeAndPromoteStatesOnTheDefaultBranch()
      throws Exception {
    String mergeCommit = mergeOnServer();
    github.stubFor(
        put(urlEqualTo("/repos/" + repo + "/pulls/7/merge"))
            .willReturn(
                json(
                    200,
                    "{\"sha\":\""
                        + mergeCommit
                        + "\",\"merged\":true,\"message\":\"Pull Request successfully merged\"}")));

    ManifestChanges.Merged merged = review.merge(rotation(), key, List.of("dave", "gina"));

    assertThat(merged)
        .isEqualTo(
            new ManifestChanges.Merged(
                mergeCommit,
                proposal.distributeCommit(),
                proposal.promoteCommit(),
                ManifestChanges.MergeMode.HOSTED));
    github.verify(
        putRequestedFor(urlEqualTo("/repos/" + repo + "/pulls/7/merge"))
            .withRequestBody(
                equalToJson(
                    "{\"sha\":\"" + proposal.promoteCommit() + "\",\"merge_method\":\"merge\"}",
                    true,
                    true)));
  }

  @Test
  void aPullRequestGitHubCannotMergeYetIsRetriedAndOneWhoseHeadMovedConflicts() {
    github.stubFor(
        put(urlEqualTo("/repos/" + repo + "/pulls/7/merge"))
            .willReturn(json(405, "{\"message\":\"Pull Request is not mergeable\"}")));
    assertThatThrownBy(() -> review.merge(rotation(), key, List.of()))
        .isInstanceOfSatisfying(TransientException.class, e -> assertThat(e.retryAt()).isPresent())
        .hasMessageContaining("Pull Request is not mergeable");

    github.stubFor(
        put(urlEqualTo("/repos/" + repo + "/pulls/7/merge"))
            .willReturn(
                json(
                    409,
                    "{\"message\":\"Head branch was modified. Review and try the merge again.\"}")));
    assertThatThrownBy(() -> review.merge(rotation(), key, List.of()))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_CONFLICT))
        .hasMessageContaining("Head branch was modified");
  }

  @Test
  void aClosedPullRequestRejectsAndAMergeByAPersonCountsAsTheirApproval() {
    github.stubFor(
        get(urlPathEqualTo("/repos/" + repo + "/pulls/7/reviews"))
            .willReturn(
                json(
                    200, "[" + reviewJson(1, "dave", "APPROVED", proposal.promoteCommit()) + "]")));
    stubMembership("dave", true);
    stubMembership("gina", true);

    stubPullRequest(pullRequest("closed", false, null, null));
    assertThat(review.decide(rotation(), key, List.of()))
        .isEqualTo(
            new Decision.Rejected("pull request #7 of " + repo + " was closed without merging"));

    stubPullRequest(
        pullRequest("closed", true, "0123456789012345678901234567890123456789", "gina"));
    assertThat(review.decide(rotation(), key, List.of()))
        .isEqualTo(
            new Decision.MergedElsewhere(
                "0123456789012345678901234567890123456789", List.of("dave", "gina"), 2));
  }

  @Test
  void beforeARejectionOrRollbackIsHonouredAMergeOnGitHubIsFound() {
    github.stubFor(
        get(urlPathEqualTo("/repos/" + repo + "/pulls/7/reviews")).willReturn(json(200, "[]")));
    stubMembership("gina", true);

    stubPullRequest(pullRequest("open", false, null, null));
    assertThat(review.mergedElsewhere(rotation(), key)).isEmpty();

    stubPullRequest(
        pullRequest("closed", true, "0123456789012345678901234567890123456789", "gina"));
    assertThat(review.mergedElsewhere(rotation(), key))
        .contains(
            new Decision.MergedElsewhere(
                "0123456789012345678901234567890123456789", List.of("gina"), 2));
  }

  @Test
  void someoneElsesCommitOnTheRotationBranchIsAConflict() {
    stubPullRequest(
        pullRequest("open", false, null, null)
            .replace(proposal.promoteCommit(), "fedcba9876543210fedcba9876543210fedcba98"));

    assertThatThrownBy(() -> review.decide(rotation(), key, List.of()))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.MANIFEST_CONFLICT))
        .hasMessageContaining("someone pushed fedcba9876543210fedcba9876543210fedcba98");
  }

  @Test
  void closingARotationCommentsOnThePullRequestAndClosesIt() {
    stubPullRequest(pullRequest("open", false, null, null));
    github.stubFor(
        post(urlEqualTo("/repos/" + repo + "/issues/7/comments"))
            .willReturn(json(201, "{\"id\":1,\"body\":\"x\"}")));
    github.stubFor(
        patch(urlEqualTo("/repos/" + repo + "/pulls/7"))
            .willReturn(json(200, pullRequest("closed", false, null, null))));

    review.close(rotation(), key, "bob rejected the change: wrong window");

    github.verify(
        postRequestedFor(urlEqualTo("/repos/" + repo + "/issues/7/comments"))
            .withRequestBody(
                equalToJson(
                    "{\"body\":\"Rotor closes this pull request: bob rejected the change: wrong"
                        + " window\"}")));
    github.verify(
        patchRequestedFor(urlEqualTo("/repos/" + repo + "/pulls/7"))
            .withRequestBody(equalToJson("{\"state\":\"closed\"}")));
  }

  @Test
  void withoutATokenTheProviderRefusesBeforeAnythingIsWritten() {
    GitHubReview unconfigured =
        new GitHubReview(null, changes, Clock.systemUTC(), Duration.ofSeconds(30), "merge");

    assertThatThrownBy(() -> unconfigured.requireAvailable(key.plan()))
        .isInstanceOfSatisfying(
            RotationFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reasons.RotationFailure.GIT_REFUSED))
        .hasMessageContaining("set rotor.manifest-service.github.token");
    assertThat(GitHubReview.repositoryOf("https://github.com/Aether/GitOps.git"))
        .isEqualTo("aether/gitops");
    assertThat(GitHubReview.repositoryOf("git@github.com:aether/gitops.git"))
        .isEqualTo("aether/gitops");
  }

  /** What GitHub does on a merge: a merge commit of main and the pull request's head. */
  private String mergeOnServer() throws Exception {
    try (Repository repository = remote.server().open(name + ".git");
        RevWalk walk = new RevWalk(repository);
        ObjectInserter inserter = repository.newObjectInserter()) {
      RevCommit main = walk.parseCommit(repository.resolve("refs/heads/main"));
      RevCommit head = walk.parseCommit(ObjectId.fromString(proposal.promoteCommit()));
      CommitBuilder merge = new CommitBuilder();
      merge.setTreeId(head.getTree());
      merge.setParentIds(main, head);
      PersonIdent gitHub = new PersonIdent("GitHub", "noreply@github.com");
      merge.setAuthor(new PersonIdent("dave", "dave@example.com"));
      merge.setCommitter(gitHub);
      merge.setMessage("Merge pull request #7 from aether/" + proposal.branch() + "\n");
      ObjectId id = inserter.insert(merge);
      inserter.flush();
      RefUpdate update = repository.updateRef("refs/heads/main");
      update.setNewObjectId(id);
      update.setExpectedOldObjectId(main);
      assertThat(update.update()).isIn(RefUpdate.Result.FAST_FORWARD, RefUpdate.Result.FORCED);
      return id.name();
    }
  }
}
