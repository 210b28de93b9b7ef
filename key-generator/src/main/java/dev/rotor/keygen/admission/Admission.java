package dev.rotor.keygen.admission;

import dev.rotor.common.event.Reasons.Rejection;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.plan.PolicyTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Admission of a {@code rotation.requested} against the policy and the rotations in flight, without
 * I/O. The checks run in this order, and the first kind that fails decides the reason code:
 *
 * <ol>
 *   <li>the request itself ({@code INVALID_REQUEST}): a requester, at most {@code
 *       max-requester-length} characters without control characters; a reason of at most {@code
 *       max-reason-length} characters without control characters other than line breaks and tabs;
 *   <li>the target is in the policy ({@code UNKNOWN_TARGET});
 *   <li>the requested stages: clusters the policy gives the target ({@code POLICY_VIOLATION},
 *       naming at most {@value #MAX_NAMED_CLUSTERS} of them), no more than the target has stages,
 *       each once and in policy order ({@code INVALID_REQUEST});
 *   <li>no other rotation of the target in flight ({@code IN_FLIGHT}).
 * </ol>
 *
 * Every problem of the first failing kind is reported in the message. Messages name fields and
 * clusters, never free text from the request, and stay short whatever the request holds: the answer
 * must fit in an event (64 KiB) even for a request that only just does.
 */
public final class Admission {

  /** Configured bounds on a request. */
  public record Limits(int maxReasonLength, int maxRequesterLength) {}

  /** The rotation that holds a target's in-flight guard. */
  public record InFlight(String rotationId, String requestedBy, Instant since) {}

  /** The most clusters a message names; the rest are counted. */
  static final int MAX_NAMED_CLUSTERS = 10;

  private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private Admission() {}

  /**
   * Decides about {@code request}.
   *
   * @param target the policy's target of that id, or empty if the policy has none
   * @param policyName the policy file's name, for the message of an unknown target
   * @param inFlight the rotation in flight for the target, if any
   */
  public static Decision decide(
      RotationRequested request,
      Optional<PolicyTarget> target,
      String policyName,
      Limits limits,
      Optional<InFlight> inFlight) {
    List<String> problems = requestProblems(request, limits);
    if (!problems.isEmpty()) {
      return new Decision.Reject(Rejection.INVALID_REQUEST, String.join("; ", problems));
    }
    if (target.isEmpty()) {
      return new Decision.Reject(
          Rejection.UNKNOWN_TARGET,
          "target "
              + request.targetId()
              + " is not in the rotation policy "
              + policyName
              + "; only targets listed there can be rotated: check the id"
              + " (<namespace>/<secret name>) or add the target to the policy (docs/policy.md)");
    }
    PolicyTarget policyTarget = target.get();
    Set<String> notInPolicy = new LinkedHashSet<>();
    for (String cluster : request.stages()) {
      if (cluster != null
          && CLUSTER.matcher(cluster).matches()
          && policyTarget.plan().stageIndexOf(cluster) < 0) {
        notInPolicy.add(cluster);
      }
    }
    if (!notInPolicy.isEmpty()) {
      return new Decision.Reject(
          Rejection.POLICY_VIOLATION,
          "stages: the policy does not rotate "
              + request.targetId()
              + " on "
              + quoted(notInPolicy)
              + "; its stages run on "
              + String.join(", ", policyTarget.clusters())
              + " (request a subset of those, in that order, or none for all)");
    }
    int stageCount = policyTarget.plan().stages().size();
    if (request.stages().size() > stageCount) {
      return new Decision.Reject(
          Rejection.INVALID_REQUEST,
          "stages: "
              + request.stages().size()
              + " clusters requested, but the policy gives "
              + request.targetId()
              + " only "
              + stageCount
              + " stage(s), on "
              + String.join(", ", policyTarget.clusters())
              + " (request a subset of those, in that order, each once, or none for all)");
    }
    var plan = policyTarget.plan();
    try {
      plan = policyTarget.resolvePlan(request.stages());
    } catch (IllegalArgumentException e) {
      return new Decision.Reject(Rejection.INVALID_REQUEST, e.getMessage());
    }
    if (inFlight.isPresent()) {
      InFlight running = inFlight.get();
      return new Decision.Reject(
          Rejection.IN_FLIGHT,
          "target "
              + request.targetId()
              + " already has rotation "
              + running.rotationId()
              + " in flight, requested by "
              + (running.requestedBy() == null ? "an unknown requester" : running.requestedBy())
              + " at "
              + running.since()
              + "; one rotation per target runs at a time: wait until it completes, fails or is"
              + " rolled back (rotorctl status "
              + running.rotationId()
              + "), then request again",
          running.rotationId());
    }
    return new Decision.Admit(plan);
  }

  /** Whether {@code requestedBy} may be stored and shown as the requester. */
  public static boolean isUsableRequester(String requestedBy, Limits limits) {
    return requesterProblem(requestedBy, limits) == null;
  }

  private static List<String> requestProblems(RotationRequested request, Limits limits) {
    List<String> problems = new ArrayList<>();
    String requester = requesterProblem(request.requestedBy(), limits);
    if (requester != null) {
      problems.add(requester);
    }
    String reason = request.reason();
    if (reason != null) {
      if (reason.length() > limits.maxReasonLength()) {
        problems.add(
            "reason: is "
                + reason.length()
                + " characters, more than the "
                + limits.maxReasonLength()
                + " allowed; say why in fewer words");
      }
      if (reason.chars().anyMatch(c -> c != '\n' && c != '\t' && isControl(c))) {
        problems.add(
            "reason: contains control or invisible formatting characters (only line breaks and"
                + " tabs are allowed)");
      }
    }
    return problems;
  }

  private static String requesterProblem(String requestedBy, Limits limits) {
    if (requestedBy == null || requestedBy.isBlank()) {
      return "requestedBy: is required; name who asks for the rotation (the operator the ledger"
          + " records)";
    }
    if (requestedBy.length() > limits.maxRequesterLength()) {
      return "requestedBy: is "
          + requestedBy.length()
          + " characters, more than the "
          + limits.maxRequesterLength()
          + " allowed";
    }
    if (requestedBy.chars().anyMatch(Admission::isControl)) {
      return "requestedBy: contains control or invisible formatting characters";
    }
    if (!requestedBy.equals(requestedBy.strip())) {
      return "requestedBy: has leading or trailing whitespace";
    }
    return null;
  }

  private static boolean isControl(int c) {
    return Character.isISOControl(c)
        || Character.getType(c) == Character.FORMAT
        || Character.getType(c) == Character.LINE_SEPARATOR
        || Character.getType(c) == Character.PARAGRAPH_SEPARATOR;
  }

  /** The first {@value #MAX_NAMED_CLUSTERS} clusters quoted, and how many more there are. */
  private static String quoted(Set<String> clusters) {
    String named =
        String.join(
            ", ", clusters.stream().limit(MAX_NAMED_CLUSTERS).map(c -> "'" + c + "'").toList());
    int more = clusters.size() - MAX_NAMED_CLUSTERS;
    return more > 0 ? named + " and " + more + " more" : named;
  }
}
