package dev.rotor.common.plan;

import static dev.rotor.common.Checks.present;

import java.util.List;

/**
 * Who must approve a rotation's change before its first stage.
 *
 * @param provider where the review happens
 * @param required how many approvals are needed (the requester's own never counts)
 * @param teams the teams whose members' approvals count (empty: any reviewer)
 */
public record ApprovalSpec(ReviewProvider provider, int required, List<String> teams) {
  public ApprovalSpec {
    present(provider, "approvals.provider");
    if (required < 0 || required > 10) {
      throw new IllegalArgumentException("approvals.required: must be between 0 and 10");
    }
    teams = teams == null ? List.of() : List.copyOf(teams);
  }
}
