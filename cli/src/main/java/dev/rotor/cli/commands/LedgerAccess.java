package dev.rotor.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.cli.CliException;
import dev.rotor.cli.CommonOptions;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.LedgerOptions;
import dev.rotor.cli.ledger.LedgerClient;
import dev.rotor.cli.ledger.SignedCheckpoint;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** What the ledger subcommands share: where the ledger is and which key signs its checkpoints. */
final class LedgerAccess {

  @picocli.CommandLine.Mixin LedgerOptions ledger;

  @Option(
      names = "--key",
      paramLabel = "<verifier-key>",
      description =
          "The ledger's signed-note verifier key (<name>+<id>+<base64>) to trust (default:"
              + " $ROTOR_LEDGER_KEY, else the key the ledger publishes, which proves less).")
  String key;

  @Option(
      names = "--timeout",
      paramLabel = "<ISO-8601>",
      description = "How long to wait for the ledger (default PT10S).")
  Duration timeout = Duration.ofSeconds(10);

  @Option(
      names = {"--output", "-o"},
      paramLabel = "text|json",
      description = "text for people (default), json for scripts.")
  CommonOptions.OutputFormat output = CommonOptions.OutputFormat.TEXT;

  LedgerClient client() {
    return new LedgerClient(
        ledger.requireLedgerUrl(), CommonOptions.checkTimeout(timeout, "--timeout"));
  }

  boolean json() {
    return output == CommonOptions.OutputFormat.JSON;
  }

  /** The key and where it came from. */
  record TrustedKey(String verifierKey, boolean pinned) {}

  TrustedKey trustedKey(LedgerClient client) {
    String pinned =
        key != null && !key.isBlank()
            ? key.trim()
            : System.getenv().getOrDefault("ROTOR_LEDGER_KEY", "").trim();
    if (!pinned.isEmpty()) {
      return new TrustedKey(pinned, true);
    }
    return new TrustedKey(client.getText("ledger/checkpoints/key").trim(), false);
  }

  /** The latest checkpoint, its signature checked. */
  Verified latest(LedgerClient client, TrustedKey key) {
    JsonNode view;
    try {
      view = client.get("ledger/checkpoints/latest", Map.of());
    } catch (CliException e) {
      if (LedgerClient.isNotFound(e)) {
        throw CliException.notPossible(
            "ROTOR-7204", "the ledger has issued no checkpoint yet; try again in a moment");
      }
      throw e;
    }
    return verify(view.path("signedNote").asText(null), key);
  }

  static Verified verify(String note, TrustedKey key) {
    SignedCheckpoint checkpoint;
    try {
      checkpoint = SignedCheckpoint.parse(note);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          "ROTOR-7203",
          ExitCodes.NEGATIVE,
          "the ledger's checkpoint is malformed: " + e.getMessage());
    }
    boolean valid;
    try {
      valid = checkpoint.signedBy(key.verifierKey());
    } catch (IllegalArgumentException e) {
      throw CliException.usage("ROTOR-7000", "--key: " + e.getMessage());
    }
    return new Verified(checkpoint, valid, key);
  }

  /** A checkpoint and whether the trusted key signed it. */
  record Verified(SignedCheckpoint checkpoint, boolean signatureValid, TrustedKey key) {
    String signatureLine() {
      String name = key.verifierKey().split("\\+", 2)[0];
      String source =
          key.pinned() ? "pinned key" : "key published by the ledger; pin it with --key";
      return signatureValid
          ? "signature: valid, " + name + " (" + source + ")"
          : "signature: NOT VALID for "
              + key.verifierKey().split("\\+", 3)[0]
              + "+"
              + key.verifierKey().split("\\+", 3)[1]
              + " ("
              + source
              + ")";
    }
  }
}
