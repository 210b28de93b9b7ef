package dev.rotor.common.event;

/** How urgently people should hear of an event (the notifier routes on it). */
public enum Severity {
  /** A step of a rotation going as planned. */
  INFO,
  /** People should look: a rejection, a verdict that needs a person, a wait. */
  WARNING,
  /** Something failed or was rolled back. */
  CRITICAL,
  /** A rollback itself failed: a person must act now. */
  PAGE
}
