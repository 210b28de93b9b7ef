package dev.rotor.manifest.review;

import java.time.Instant;
import java.util.List;

/** What the review says about a proposal now. */
public sealed interface Decision {

  /** No decision yet; look again at {@code nextCheck} (null: when an input arrives). */
  record Pending(Instant nextCheck) implements Decision {}

  /** Enough approvals: merge. */
  record Approved(List<String> approvers, boolean forced) implements Decision {
    public Approved {
      approvers = List.copyOf(approvers);
    }
  }

  /** The change request was rejected or closed. */
  record Rejected(String message) implements Decision {}

  /** Someone merged the change request on the hosting service. */
  record MergedElsewhere(String mergeCommit, List<String> approvers, int required)
      implements Decision {
    public MergedElsewhere {
      approvers = List.copyOf(approvers);
    }
  }
}
