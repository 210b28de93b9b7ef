package dev.rotor.cli.commands;

import picocli.CommandLine.Command;

/** {@code rotorctl policy}: the rotation policy file. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "The rotation policy file (docs/policy.md).",
    subcommands = {PolicyValidateCommand.class})
public class PolicyCommand {}
