package dev.rotor.cli.commands;

import dev.rotor.cli.CliException;
import dev.rotor.cli.rotation.RotationState;
import dev.rotor.cli.rotation.StageProgress;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotorEvent;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rotorctl promote --force}: promote past an inconclusive verdict. */
@Command(
    name = "promote",
    mixinStandardHelpOptions = true,
    description = {
      "Promote a rotation past an inconclusive verdict (no data, NaN): publishes"
          + " rotation.approved with force=true to rotor.approvals. The stage's verdict is"
          + " recorded as FORCED."
    })
public class PromoteCommand extends DecisionCommand {

  @Option(
      names = "--force",
      required = true,
      description = "Required: you take the decision the verifier could not.")
  boolean force;

  @Option(names = "--comment", paramLabel = "<text>", description = "Why, in words.")
  String comment;

  @Override
  void checkOptions() {
    requireText("--comment", comment);
  }

  @Override
  String verb() {
    return "promote";
  }

  @Override
  RotorEvent decision(RotationState state, String operator, PrintWriter warn) {
    StageProgress held = state.heldStage();
    if (held == null) {
      throw CliException.notPossible(
          "ROTOR-7105",
          "rotation "
              + state.rotationId()
              + " is not held on an inconclusive verdict ("
              + state.status()
              + "); nothing to force");
    }
    return new RotationApproved(state.rotationId(), state.targetId(), operator, true, comment);
  }

  @Override
  String done(RotationState state, String operator) {
    return "Forced promotion of rotation "
        + state.rotationId()
        + " past the inconclusive verdict on "
        + state.heldStage().cluster()
        + " as "
        + operator;
  }
}
