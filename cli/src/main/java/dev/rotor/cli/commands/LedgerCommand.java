package dev.rotor.cli.commands;

import picocli.CommandLine.Command;

/** {@code rotorctl ledger}: the ledger's records, checkpoints and proofs. */
@Command(
    name = "ledger",
    mixinStandardHelpOptions = true,
    description = {
      "The ledger (ledger-service REST API, --ledger-url or ROTOR_LEDGER_URL): rotation records,"
          + " signed checkpoints and proofs, checked here on your machine."
    },
    subcommands = {
      LedgerRecordCommand.class,
      LedgerCheckpointCommand.class,
      LedgerVerifyCommand.class,
      LedgerProofCommand.class
    })
public class LedgerCommand {}
