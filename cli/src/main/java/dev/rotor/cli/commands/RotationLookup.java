package dev.rotor.cli.commands;

import dev.rotor.cli.CliException;
import dev.rotor.cli.kafka.EventReader;
import dev.rotor.cli.kafka.KafkaAccess;
import dev.rotor.cli.rotation.RotationState;
import dev.rotor.common.Checks;
import dev.rotor.common.messaging.TraceContext;
import java.io.PrintWriter;
import java.util.List;

/** Finds a rotation on the event topics: its target, its plan, where it stands. */
final class RotationLookup {
  private RotationLookup() {}

  /** Checks the form of a rotation id given on the command line. */
  static String requireRotationId(String rotationId) {
    try {
      return Checks.rotationId(rotationId, "<rotation-id>");
    } catch (IllegalArgumentException e) {
      throw CliException.usage("ROTOR-7000", e.getMessage());
    }
  }

  /**
   * The rotation as the topics tell it now.
   *
   * @throws CliException when Kafka cannot be reached or no event of the rotation exists
   */
  static RotationState find(KafkaAccess kafka, String rotationId, PrintWriter err) {
    return findTraced(kafka, rotationId, err).state();
  }

  /** A rotation as the topics tell it, and the trace context its latest traced record carried. */
  record Found(RotationState state, TraceContext.Stored trace) {}

  /** {@link #find}, with the rotation's trace context (null when its records carry none). */
  static Found findTraced(KafkaAccess kafka, String rotationId, PrintWriter err) {
    kafka.requireReachable();
    try (EventReader reader = new EventReader(kafka, EventReader.rotation(rotationId))) {
      RotationState state = RotationState.of(rotationId, reader.catchUp());
      skippedWarning(reader).forEach(err::println);
      if (!state.known()) {
        throw notFound(kafka, rotationId);
      }
      return new Found(state, reader.lastTraceContext());
    }
  }

  static CliException notFound(KafkaAccess kafka, String rotationId) {
    return CliException.notPossible(
        "ROTOR-7100",
        "no rotation "
            + rotationId
            + " on Kafka at "
            + kafka.bootstrapServers()
            + " (rotorctl status lists the rotations)");
  }

  /** Refuses to act on a rotation that ended. */
  static void requireInProgress(RotationState state, String what) {
    if (state.outcome().terminal()) {
      throw CliException.notPossible(
          "ROTOR-7101",
          "cannot "
              + what
              + " rotation "
              + state.rotationId()
              + ": it already ended ("
              + state.status()
              + ")");
    }
  }

  static List<String> skippedWarning(EventReader reader) {
    List<String> skipped = reader.skipped();
    if (skipped.isEmpty()) {
      return List.of();
    }
    return List.of(
        "rotorctl: ROTOR-7003 skipped "
            + skipped.size()
            + " record"
            + (skipped.size() == 1 ? "" : "s")
            + " that are not valid Rotor events (first: "
            + skipped.get(0)
            + ")");
  }
}
