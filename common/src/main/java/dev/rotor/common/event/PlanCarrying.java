package dev.rotor.common.event;

import dev.rotor.common.plan.Plan;

/** A workflow event: it carries the rotation's plan, so its consumer needs no shared state. */
public interface PlanCarrying {
  /** The plan fixed when the rotation was admitted. */
  Plan plan();
}
