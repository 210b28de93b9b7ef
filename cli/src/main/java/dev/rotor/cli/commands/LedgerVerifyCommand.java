package dev.rotor.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.cli.CliException;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.ledger.LedgerClient;
import dev.rotor.cli.ledger.MerkleProofs;
import dev.rotor.cli.ledger.SignedCheckpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rotorctl ledger verify}: checks the latest checkpoint's signature here, has the ledger
 * re-verify its whole log, and with {@code --since} proves here that the log only grew since a
 * checkpoint you kept.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Verify the ledger: the latest checkpoint's signature (checked here), the ledger's"
          + " re-verification of every entry, the chain and the tree, and with --since a"
          + " consistency proof (checked here) that the log only grew since a checkpoint you"
          + " kept. Exits 1 if anything does not verify."
    })
public class LedgerVerifyCommand implements Callable<Integer> {

  @Option(
      names = "--since",
      paramLabel = "<file>",
      description = "A checkpoint saved earlier (rotorctl ledger checkpoint --save <file>).")
  Path since;

  @Mixin LedgerAccess access;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    SignedCheckpoint kept = since == null ? null : readKept();
    LedgerClient client = access.client();
    LedgerAccess.TrustedKey key = access.trustedKey(client);
    LedgerAccess.Verified latest = access.latest(client, key);
    List<String> lines = new ArrayList<>();
    Map<String, Object> json = new LinkedHashMap<>();
    boolean ok = latest.signatureValid();
    lines.add(
        "latest checkpoint: "
            + latest.checkpoint().treeSize()
            + " entries, root "
            + latest.checkpoint().rootBase64());
    lines.add("  " + latest.signatureLine());
    json.put("treeSize", latest.checkpoint().treeSize());
    json.put("rootHash", latest.checkpoint().rootBase64());
    json.put("signatureValid", latest.signatureValid());

    JsonNode report = client.post("ledger/verification");
    boolean logOk = report.path("ok").asBoolean(false);
    ok &= logOk;
    lines.add(
        "log: "
            + (logOk ? "verified" : "DOES NOT VERIFY")
            + ": "
            + report.path("summary").asText(""));
    if (!logOk && report.hasNonNull("firstBadEntry")) {
      lines.add("  first bad entry: " + report.get("firstBadEntry").asText());
    }
    for (JsonNode finding : report.path("findings")) {
      lines.add(
          "  "
              + finding.path("kind").asText()
              + (finding.hasNonNull("entry") ? " at entry " + finding.get("entry").asText() : "")
              + ": "
              + finding.path("message").asText());
    }
    json.put("log", report);

    if (kept != null) {
      boolean keptSigned = kept.signedBy(key.verifierKey());
      boolean consistent = keptSigned && consistent(client, kept, latest.checkpoint());
      ok &= consistent;
      lines.add(
          "since "
              + since
              + " ("
              + kept.treeSize()
              + " entries): "
              + (!keptSigned
                  ? "that checkpoint's signature is NOT VALID for the key"
                  : consistent
                      ? "consistent: the log only grew, nothing before was changed"
                      : "NOT CONSISTENT: the log was rewritten since that checkpoint"));
      json.put("since", Map.of("treeSize", kept.treeSize(), "consistent", consistent));
    }
    json.put("ok", ok);
    PrintWriter out = spec.commandLine().getOut();
    if (access.json()) {
      out.println(Json.line(json));
    } else {
      lines.forEach(out::println);
      out.println(ok ? "Ledger verified." : "Ledger did NOT verify.");
    }
    out.flush();
    return ok ? ExitCodes.OK : ExitCodes.NEGATIVE;
  }

  private SignedCheckpoint readKept() {
    try {
      return SignedCheckpoint.parse(Files.readString(since, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CliException.usage(
          "ROTOR-7000",
          "--since: cannot read " + since + " (" + e.getClass().getSimpleName() + ")");
    } catch (IllegalArgumentException e) {
      throw CliException.usage("ROTOR-7000", "--since: " + since + ": " + e.getMessage());
    }
  }

  private static boolean consistent(
      LedgerClient client, SignedCheckpoint kept, SignedCheckpoint latest) {
    if (kept.treeSize() > latest.treeSize()) {
      return false;
    }
    JsonNode proof =
        client.get(
            "ledger/proofs/consistency",
            Map.of(
                "first", String.valueOf(kept.treeSize()),
                "second", String.valueOf(latest.treeSize())));
    List<byte[]> path = new ArrayList<>();
    for (JsonNode hash : proof.path("consistencyPath")) {
      path.add(Base64.getDecoder().decode(hash.asText()));
    }
    return MerkleProofs.verifyConsistency(
        kept.treeSize(), latest.treeSize(), kept.rootHash(), latest.rootHash(), path);
  }
}
