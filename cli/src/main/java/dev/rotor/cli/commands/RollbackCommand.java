package dev.rotor.cli.commands;

import dev.rotor.cli.rotation.RotationState;
import dev.rotor.common.event.RotationRollbackRequested;
import dev.rotor.common.event.RotorEvent;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rotorctl rollback}: ask for a rotation to be rolled back. */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description = {
      "Roll a rotation back: publishes rotation.rollback-requested to rotor.approvals. The"
          + " manifest-service commits the previous key as primary again (the new key stays"
          + " decrypt-only) and every cluster that applied the rotation rolls back."
    })
public class RollbackCommand extends DecisionCommand {

  @Option(names = "--reason", paramLabel = "<text>", description = "Why, in words.")
  String reason;

  @Override
  void checkOptions() {
    requireText("--reason", reason);
  }

  @Override
  String verb() {
    return "roll back";
  }

  @Override
  RotorEvent decision(RotationState state, String operator, PrintWriter warn) {
    if (state.rollingBack()) {
      warn.println(
          "rotorctl: ROTOR-7106 note: rotation "
              + state.rotationId()
              + " is being rolled back already ("
              + state.status()
              + ")");
    }
    return new RotationRollbackRequested(state.rotationId(), state.targetId(), operator, reason);
  }

  @Override
  String done(RotationState state, String operator) {
    return "Requested the rollback of rotation "
        + state.rotationId()
        + " of "
        + state.targetId()
        + " as "
        + operator;
  }
}
