package dev.rotor.common.event;

import static dev.rotor.common.Checks.nonEmpty;

import java.util.List;

/**
 * The escrow copy of a key: age-sealed to the security team's recipients, kept in the ledger. It
 * replaces the runbook's password-manager entry and opens with {@code age -d -i <identity>}.
 *
 * @param recipients the age recipients it is sealed to
 * @param armored the ASCII-armored age file
 */
public record Escrow(List<String> recipients, String armored) {
  public Escrow {
    recipients = List.copyOf(recipients == null ? List.of() : recipients);
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("recipients: at least one escrow recipient is required");
    }
    nonEmpty(armored, "armored");
  }
}
