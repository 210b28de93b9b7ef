package dev.rotor.manifest.review;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Counts approvals the way every provider does: distinct people, in the order they approved, never
 * the requester, and, when the plan names teams, only members of one of them.
 */
public final class ApprovalCount {
  /** One approval. */
  public record Vote(String person, boolean force) {}

  /** The approvals that count. */
  public record Result(List<String> approvers, boolean forced) {
    public boolean reaches(int required) {
      return approvers.size() >= required;
    }
  }

  private ApprovalCount() {}

  /**
   * @param requester who asked for the rotation (compared without case)
   * @param teams the plan's teams; empty: anyone counts
   * @param member whether a person belongs to a team: {@code member.test(team + "\n" + person)}
   */
  public static Result count(
      List<Vote> votes, String requester, List<String> teams, Predicate<String> member) {
    String self = normalize(requester);
    Set<String> seen = new LinkedHashSet<>();
    List<String> approvers = new ArrayList<>();
    boolean forced = false;
    for (Vote vote : votes) {
      String person = normalize(vote.person());
      if (person.isEmpty() || person.equals(self) || !seen.add(person)) {
        continue;
      }
      if (!teams.isEmpty()
          && teams.stream().noneMatch(t -> member.test(t + "\n" + vote.person()))) {
        continue;
      }
      approvers.add(vote.person().strip());
      forced |= vote.force();
    }
    return new Result(approvers, forced);
  }

  private static String normalize(String person) {
    return person == null ? "" : person.strip().toLowerCase(Locale.ROOT);
  }
}
