package dev.rotor.common.event;

import static dev.rotor.common.Checks.nonEmpty;
import static dev.rotor.common.Checks.present;

import java.time.Instant;

/**
 * A pod that a rollout produced.
 *
 * @param deployment the Deployment it belongs to
 * @param name the pod's name
 * @param startedAt when it started (the verifier checks it is after the Secret changed)
 */
public record PodStatus(String deployment, String name, Instant startedAt) {
  public PodStatus {
    nonEmpty(deployment, "deployment");
    nonEmpty(name, "name");
    present(startedAt, "startedAt");
  }
}
