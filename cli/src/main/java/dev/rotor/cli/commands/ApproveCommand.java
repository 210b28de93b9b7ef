package dev.rotor.cli.commands;

import dev.rotor.cli.rotation.RotationState;
import dev.rotor.common.event.RotationApproved;
import dev.rotor.common.event.RotorEvent;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rotorctl approve}: the local review provider's approval. */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    description = {
      "Approve a rotation's change (the policy's 'local' review provider): publishes"
          + " rotation.approved to rotor.approvals.",
      "The requester's own approval does not count toward the policy's required approvals."
    })
public class ApproveCommand extends DecisionCommand {

  @Option(names = "--comment", paramLabel = "<text>", description = "Why, in words.")
  String comment;

  @Override
  void checkOptions() {
    requireText("--comment", comment);
  }

  @Override
  String verb() {
    return "approve";
  }

  @Override
  RotorEvent decision(RotationState state, String operator, PrintWriter warn) {
    if (operator.equals(state.requestedBy())) {
      warn.println(
          "rotorctl: ROTOR-7103 note: "
              + operator
              + " requested this rotation; the policy does not count a requester's own approval");
    }
    if (state.merge() != null) {
      warn.println(
          "rotorctl: ROTOR-7104 note: the change was merged already; this approval only adds to"
              + " the record");
    }
    return new RotationApproved(state.rotationId(), state.targetId(), operator, false, comment);
  }

  @Override
  String done(RotationState state, String operator) {
    return "Approved rotation "
        + state.rotationId()
        + " of "
        + state.targetId()
        + " as "
        + operator;
  }
}
