package dev.rotor.cli.commands;

import dev.rotor.cli.CliException;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.ledger.LedgerClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rotorctl ledger checkpoint}: the latest signed checkpoint, its signature checked. */
@Command(
    name = "checkpoint",
    mixinStandardHelpOptions = true,
    description = {
      "The ledger's latest signed checkpoint (tree size and Merkle root), its Ed25519 signature"
          + " checked here. Keep a copy (--save) to prove later that the log was only appended"
          + " to: rotorctl ledger verify --since <file>."
    })
public class LedgerCheckpointCommand implements Callable<Integer> {

  @Option(
      names = "--save",
      paramLabel = "<file>",
      description = "Write the signed note to this file.")
  Path save;

  @Mixin LedgerAccess access;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    LedgerClient client = access.client();
    LedgerAccess.Verified latest = access.latest(client, access.trustedKey(client));
    PrintWriter out = spec.commandLine().getOut();
    if (save != null) {
      try {
        Files.writeString(save, latest.checkpoint().note(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CliException.usage(
            "ROTOR-7000",
            "--save: cannot write " + save + " (" + e.getClass().getSimpleName() + ")");
      }
    }
    if (access.json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("origin", latest.checkpoint().origin());
      json.put("treeSize", latest.checkpoint().treeSize());
      json.put("rootHash", latest.checkpoint().rootBase64());
      json.put("signatureValid", latest.signatureValid());
      json.put("keyPinned", latest.key().pinned());
      json.put("signedNote", latest.checkpoint().note());
      out.println(Json.line(json));
    } else {
      out.println(
          "Checkpoint of "
              + latest.checkpoint().origin()
              + ": "
              + latest.checkpoint().treeSize()
              + " entries, root "
              + latest.checkpoint().rootBase64());
      out.println("  " + latest.signatureLine());
      if (save != null) {
        out.println("  saved to " + save);
      }
      out.println();
      out.print(latest.checkpoint().note());
    }
    out.flush();
    return latest.signatureValid() ? ExitCodes.OK : ExitCodes.NEGATIVE;
  }
}
