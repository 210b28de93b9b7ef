package dev.rotor.common.plan;

import static dev.rotor.common.Checks.present;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A loaded, fully validated rotation policy: the targets Rotor may rotate and how. Read it with
 * {@link PolicyLoader}; the file format is documented in {@code docs/policy.md}.
 *
 * @param source the file the policy was read from, for messages
 * @param targets the targets in file order, each id once
 */
public record Policy(String source, List<PolicyTarget> targets) {

  public Policy {
    present(source, "source");
    targets = List.copyOf(present(targets, "targets"));
    Set<String> ids = new HashSet<>();
    for (PolicyTarget t : targets) {
      if (!ids.add(t.id())) {
        throw new IllegalArgumentException("targets: target " + t.id() + " appears twice");
      }
    }
  }

  /** The target with {@code id}, if the policy has it. */
  public Optional<PolicyTarget> target(String id) {
    return targets.stream().filter(t -> t.id().equals(id)).findFirst();
  }

  /** The ids of every target, in file order. */
  public List<String> targetIds() {
    return targets.stream().map(PolicyTarget::id).toList();
  }
}
