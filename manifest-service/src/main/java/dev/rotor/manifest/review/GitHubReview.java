package dev.rotor.manifest.review;

import dev.rotor.common.event.KeyGenerated;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import dev.rotor.common.plan.ReviewProvider;
import dev.rotor.common.plan.Stage;
import dev.rotor.manifest.RotationFailedException;
import dev.rotor.manifest.TransientException;
import dev.rotor.manifest.config.ManifestServiceConfig;
import dev.rotor.manifest.git.ManifestChanges;
import dev.rotor.manifest.rotation.RotationInputRecord;
import dev.rotor.manifest.rotation.RotationRecord;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The {@code github} provider: a pull request per rotation. Its reviews decide (the latest review
 * of each person, on the pull request's current head; never the requester's; only members of the
 * policy's teams when it names any); Rotor then merges it through GitHub's API, so branch
 * protection applies. A person may also merge it on GitHub: that person counts as an approver.
 */
@ApplicationScoped
public class GitHubReview implements ReviewGateway {
  private static final Logger LOG = Logger.getLogger(GitHubReview.class);

  private final GitHubClient client;
  private final ManifestChanges changes;
  private final Clock clock;
  private final Duration pollInterval;
  private final String mergeMethod;

  @Inject
  public GitHubReview(
      ManifestServiceConfig config, ManifestChanges changes, Clock clock, MeterRegistry metrics) {
    this(
        config
            .github()
            .token()
            .map(
                token ->
                    new GitHubClient(
                        URI.create(config.github().apiUrl()),
                        token,
                        config.github().requestTimeout(),
                        config.github().maxRateLimitWait(),
                        clock,
                        status ->
                            metrics
                                .counter(
                                    "rotor.manifest-service.github.requests",
                                    "status",
                                    Integer.toString(status))
                                .increment()))
            .orElse(null),
        changes,
        clock,
        config.github().pollInterval(),
        config.github().mergeMethod());
  }

  /**
   * @param client the GitHub API client; null when no token is configured
   */
  public GitHubReview(
      GitHubClient client,
      ManifestChanges changes,
      Clock clock,
      Duration pollInterval,
      String mergeMethod) {
    this.client = client;
    this.changes = changes;
    this.clock = clock;
    this.pollInterval = pollInterval;
    this.mergeMethod = mergeMethod;
  }

  @Override
  public ReviewProvider provider() {
    return ReviewProvider.GITHUB;
  }

  @Override
  public void requireAvailable(Plan plan) {
    if (client == null) {
      throw RotationFailedException.refused(
          "the policy asks for review on GitHub, but the github review provider is not"
              + " configured: set rotor.manifest-service.github.token");
    }
    repositoryOf(plan.manifest().repository());
  }

  @Override
  public ChangeRequest open(
      RotationRecord rotation, KeyGenerated key, ManifestChanges.Proposal proposal) {
    String repo = repositoryOf(key.plan().manifest().repository());
    GitHubClient.PullRequest pr =
        client.createPullRequest(
            repo,
            "Rotor: rotate the key of " + key.targetId() + " (" + key.keyId() + ")",
            proposal.branch(),
            key.plan().manifest().branch(),
            body(key, proposal));
    return new ChangeRequest(repo, pr.number(), pr.url());
  }

  @Override
  public Decision decide(
      RotationRecord rotation, KeyGenerated key, List<RotationInputRecord> inputs) {
    String repo = rotation.changeRequestRepo;
    int number = rotation.changeRequestNumber;
    GitHubClient.PullRequest pr = client.pullRequest(repo, number);
    int required = key.plan().approvals().required();
    if (pr.merged()) {
      return mergedElsewhere(repo, key, pr);
    }
    if (!"open".equals(pr.state())) {
      return new Decision.Rejected(
          "pull request #" + number + " of " + repo + " was closed without merging");
    }
    if (!pr.headSha().equals(rotation.promoteCommit)) {
      throw RotationFailedException.conflict(
          "someone pushed "
              + pr.headSha()
              + " to the rotation's branch "
              + rotation.branch
              + " (pull request #"
              + number
              + "); Rotor merges only the commits it wrote: request a new rotation");
    }
    ApprovalCount.Result result = count(repo, key, approvals(repo, pr));
    if (result.reaches(required)) {
      return new Decision.Approved(result.approvers(), result.forced());
    }
    return new Decision.Pending(clock.instant().plus(pollInterval));
  }

  @Override
  public Optional<Decision.MergedElsewhere> mergedElsewhere(
      RotationRecord rotation, KeyGenerated key) {
    if (client == null || rotation.changeRequestNumber == null) {
      return Optional.empty();
    }
    GitHubClient.PullRequest pr =
        client.pullRequest(rotation.changeRequestRepo, rotation.changeRequestNumber);
    return pr.merged()
        ? Optional.of(mergedElsewhere(rotation.changeRequestRepo, key, pr))
        : Optional.empty();
  }

  /** A merged pull request: the person who merged it counts as an approver. */
  private Decision.MergedElsewhere mergedElsewhere(
      String repo, KeyGenerated key, GitHubClient.PullRequest pr) {
    List<ApprovalCount.Vote> votes = new ArrayList<>(approvals(repo, pr));
    if (pr.mergedBy() != null) {
      votes.add(new ApprovalCount.Vote(pr.mergedBy(), false));
    }
    ApprovalCount.Result result = count(repo, key, votes);
    return new Decision.MergedElsewhere(
        pr.mergeCommitSha(), result.approvers(), key.plan().approvals().required());
  }

  /** The people whose latest review approves the pull request's current head. */
  private List<ApprovalCount.Vote> approvals(String repo, GitHubClient.PullRequest pr) {
    Map<String, GitHubClient.Review> latest = new LinkedHashMap<>();
    for (GitHubClient.Review review : client.reviews(repo, pr.number())) {
      switch (review.state()) {
        case "APPROVED", "CHANGES_REQUESTED", "DISMISSED" ->
            latest.put(review.user().toLowerCase(Locale.ROOT), review);
        default -> {
          // COMMENTED and PENDING do not change a reviewer's verdict.
        }
      }
    }
    List<ApprovalCount.Vote> votes = new ArrayList<>();
    for (GitHubClient.Review review : latest.values()) {
      if (review.state().equals("APPROVED")
          && review.commitId().equals(pr.headSha())
          && !review.user().equalsIgnoreCase(pr.author())) {
        votes.add(new ApprovalCount.Vote(review.user(), false));
      }
    }
    return votes;
  }

  private ApprovalCount.Result count(
      String repo, KeyGenerated key, List<ApprovalCount.Vote> votes) {
    String owner = repo.substring(0, repo.indexOf('/'));
    Map<String, Boolean> memberships = new HashMap<>();
    return ApprovalCount.count(
        votes,
        key.requestedBy(),
        key.plan().approvals().teams(),
        teamAndUser ->
            memberships.computeIfAbsent(
                teamAndUser,
                k -> {
                  int split = k.indexOf('\n');
                  String team = k.substring(0, split);
                  String user = k.substring(split + 1);
                  int slash = team.indexOf('/');
                  String org = slash < 0 ? owner : team.substring(0, slash);
                  String slug = slash < 0 ? team : team.substring(slash + 1);
                  return client.isTeamMember(org, slug, user);
                }));
  }

  @Override
  public ManifestChanges.Merged merge(
      RotationRecord rotation, KeyGenerated key, List<String> approvers) {
    ManifestChanges.Proposed proposed = ReviewGateway.proposed(rotation, key);
    changes.requireMergeable(proposed);
    String sha;
    try {
      sha =
          client.merge(
              rotation.changeRequestRepo,
              rotation.changeRequestNumber,
              rotation.promoteCommit,
              mergeMethod,
              "Rotor: rotate the key of "
                  + key.targetId()
                  + " (#"
                  + rotation.changeRequestNumber
                  + ")");
    } catch (GitHubClient.NotMergeable e) {
      throw new TransientException(e.getMessage(), clock.instant().plus(pollInterval));
    }
    return changes.locateMerged(proposed, sha);
  }

  @Override
  public void close(RotationRecord rotation, KeyGenerated key, String reason) {
    if (client == null || rotation.changeRequestNumber == null) {
      return;
    }
    try {
      GitHubClient.PullRequest pr =
          client.pullRequest(rotation.changeRequestRepo, rotation.changeRequestNumber);
      if ("open".equals(pr.state())) {
        client.comment(
            rotation.changeRequestRepo,
            rotation.changeRequestNumber,
            "Rotor closes this pull request: " + reason);
        client.close(rotation.changeRequestRepo, rotation.changeRequestNumber);
      }
    } catch (RuntimeException e) {
      LOG.warnf(
          "ROTOR-2041 could not close pull request #%d of %s for rotation %s: %s",
          rotation.changeRequestNumber,
          rotation.changeRequestRepo,
          rotation.rotationId,
          e.getMessage());
    }
  }

  /** {@code owner/name} of a clone URL (the last two path segments), lowercase. */
  public static String repositoryOf(String url) {
    String path;
    if (url.matches("[A-Za-z0-9._-]+@[^:/]+:.+")) {
      path = url.substring(url.indexOf(':') + 1);
    } else {
      try {
        path = URI.create(url).getPath();
      } catch (IllegalArgumentException e) {
        path = null;
      }
    }
    if (path != null) {
      path = path.replaceAll("^/+|/+$", "").replaceAll("\\.git$", "");
      String[] segments = path.split("/");
      if (segments.length >= 2 && !segments[segments.length - 2].isEmpty()) {
        return (segments[segments.length - 2] + "/" + segments[segments.length - 1])
            .toLowerCase(Locale.ROOT);
      }
    }
    throw RotationFailedException.refused(
        "manifest.repository: cannot tell the GitHub owner and repository from the clone URL");
  }

  private static String body(KeyGenerated key, ManifestChanges.Proposal proposal) {
    Plan plan = key.plan();
    StringBuilder out = new StringBuilder();
    out.append("Rotor rotates the encryption key of **")
        .append(key.targetId())
        .append("** in two steps: the new key is first distributed as decrypt-only, then")
        .append(" promoted to primary, stage by stage.\n\n");
    out.append("| | |\n|---|---|\n");
    row(out, "rotation", "`" + key.rotationId() + "`");
    row(out, "requested by", md(key.requestedBy()));
    row(out, "new key", "`" + key.keyId() + "` (fingerprint `" + key.fingerprint() + "`)");
    row(
        out,
        "current primary",
        proposal.previousKeyId() == null
            ? "none: this rotation starts the keyring"
            : "`" + proposal.previousKeyId() + "` (stays decrypt-only)");
    row(
        out,
        "manifest",
        "`"
            + plan.manifest().path()
            + "` ("
            + plan.manifest().format().id()
            + ") on `"
            + plan.manifest().branch()
            + "`");
    row(out, "keyring", "keeps " + plan.keyring().previousKeys() + " decrypt-only keys");
    row(
        out,
        "approvals",
        plan.approvals().required()
            + " required"
            + (plan.approvals().teams().isEmpty()
                ? ""
                : ", from " + String.join(", ", plan.approvals().teams()))
            + "; the requester's own approval does not count");
    out.append("\nCommits:\n\n");
    out.append("1. `")
        .append(proposal.distributeCommit())
        .append("` distribute: the new key joins the keyring as decrypt-only\n");
    out.append("2. `")
        .append(proposal.promoteCommit())
        .append("` promote: the new key becomes the primary\n");
    out.append("\nStages, in order:\n\n| # | cluster | deployments | soak | window |\n");
    out.append("|---|---|---|---|---|\n");
    int i = 1;
    for (Stage stage : plan.stages()) {
      out.append("| ")
          .append(i++)
          .append(" | ")
          .append(stage.cluster())
          .append(" | ")
          .append(String.join(", ", stage.deployments()))
          .append(" | ")
          .append(stage.soak())
          .append(" | ")
          .append(
              stage.maintenanceWindow() == null
                  ? "any time"
                  : md(String.valueOf(stage.maintenanceWindow())))
          .append(" |\n");
    }
    out.append('\n')
        .append(
            plan.manifest().format() == ManifestFormat.SEALED_SECRET
                ? "The key is not in this pull request: the manifest holds it sealed for the"
                    + " clusters' sealed-secrets controller."
                : "The policy allows the key in plaintext in Git (format `secret`): the manifest"
                    + " holds it base64-encoded. It is not repeated here.")
        .append(" Rotor merges this pull request itself once it is approved.\n\n");
    out.append("<!-- rotor rotation=")
        .append(key.rotationId())
        .append(" target=")
        .append(key.targetId())
        .append(" -->\n");
    return out.toString();
  }

  private static void row(StringBuilder out, String name, String value) {
    out.append("| ").append(name).append(" | ").append(value).append(" |\n");
  }

  private static String md(String text) {
    return text == null
        ? ""
        : text.replaceAll("[\\p{Cntrl}]", " ").replaceAll("([|`*_<>\\[\\]\\\\])", "\\\\$1");
  }
}
