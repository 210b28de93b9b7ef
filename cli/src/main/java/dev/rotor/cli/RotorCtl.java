package dev.rotor.cli;

import dev.rotor.cli.commands.ApproveCommand;
import dev.rotor.cli.commands.HistoryCommand;
import dev.rotor.cli.commands.LedgerCommand;
import dev.rotor.cli.commands.PolicyCommand;
import dev.rotor.cli.commands.PromoteCommand;
import dev.rotor.cli.commands.RejectCommand;
import dev.rotor.cli.commands.RequestCommand;
import dev.rotor.cli.commands.RollbackCommand;
import dev.rotor.cli.commands.StatusCommand;
import dev.rotor.cli.commands.WatchCommand;
import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** {@code rotorctl}: the command line of Rotor. */
@TopCommand
@Command(
    name = "rotorctl",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Request, follow and decide key rotations; query the ledger.",
      "Kafka: --bootstrap-servers, else $ROTOR_KAFKA, else localhost:9092.",
      "Ledger: --ledger-url, else $ROTOR_LEDGER_URL."
    },
    subcommands = {
      RequestCommand.class,
      WatchCommand.class,
      ApproveCommand.class,
      RejectCommand.class,
      PromoteCommand.class,
      RollbackCommand.class,
      StatusCommand.class,
      HistoryCommand.class,
      LedgerCommand.class,
      PolicyCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  done; watch: the rotation completed",
      "  1  the rotation was rolled back, failed or was rejected; the policy or the ledger did"
          + " not verify",
      "  2  wrong arguments",
      "  3  Kafka or the ledger could not be reached, or did not answer in time",
      "  4  no such rotation or target, or it already ended"
    })
public class RotorCtl {}
