package dev.rotor.cli.commands;

import dev.rotor.cli.CliException;
import dev.rotor.cli.rotation.RotationState;
import dev.rotor.common.event.RotationReviewRejected;
import dev.rotor.common.event.RotorEvent;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rotorctl reject}: a reviewer rejects the change; the rotation ends. */
@Command(
    name = "reject",
    mixinStandardHelpOptions = true,
    description = {
      "Reject a rotation's change in review: publishes rotation.review-rejected to"
          + " rotor.approvals; the manifest-service ends the rotation (rotation.failed,"
          + " REVIEW_REJECTED)."
    })
public class RejectCommand extends DecisionCommand {

  @Option(names = "--comment", paramLabel = "<text>", description = "Why, in words.")
  String comment;

  @Override
  void checkOptions() {
    requireText("--comment", comment);
  }

  @Override
  String verb() {
    return "reject";
  }

  @Override
  RotorEvent decision(RotationState state, String operator, PrintWriter warn) {
    if (state.merge() != null) {
      throw CliException.notPossible(
          "ROTOR-7101",
          "cannot reject rotation "
              + state.rotationId()
              + ": its change was approved and merged already; use 'rotorctl rollback "
              + state.rotationId()
              + "'");
    }
    return new RotationReviewRejected(state.rotationId(), state.targetId(), operator, comment);
  }

  @Override
  String done(RotationState state, String operator) {
    return "Rejected rotation "
        + state.rotationId()
        + " of "
        + state.targetId()
        + " as "
        + operator;
  }
}
