package dev.rotor.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.cli.CliException;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.ledger.LedgerClient;
import dev.rotor.cli.ledger.MerkleProofs;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rotorctl ledger proof}: that an event is in the log, proved here against the latest signed
 * checkpoint.
 */
@Command(
    name = "proof",
    mixinStandardHelpOptions = true,
    description = {
      "Prove that an event is in the ledger: fetches its inclusion proof and checks it here"
          + " against the latest signed checkpoint. Exits 1 if it does not verify: not included,"
          + " the checkpoint's signature not valid, the entry newer than the latest signed"
          + " checkpoint (prove it again after the next one), or the proof is for another entry."
    })
public class LedgerProofCommand implements Callable<Integer> {

  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  /** The entry, by event id or by position. */
  static class Which {
    @Parameters(index = "0", paramLabel = "<event-id>", description = "The event's CloudEvents id.")
    String eventId;

    @Option(names = "--leaf-index", paramLabel = "<n>", description = "Or the entry's position.")
    Long leafIndex;
  }

  @Mixin LedgerAccess access;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (which.eventId != null
        && (which.eventId.length() > 256
            || which.eventId.chars().anyMatch(Character::isISOControl))) {
      throw CliException.usage(
          "ROTOR-7000", "<event-id>: at most 256 characters, no control characters");
    }
    LedgerClient client = access.client();
    LedgerAccess.Verified latest = access.latest(client, access.trustedKey(client));
    Map<String, String> query = new LinkedHashMap<>();
    if (which.eventId != null) {
      query.put("eventId", which.eventId);
    } else {
      query.put("leafIndex", String.valueOf(which.leafIndex));
    }
    if (latest.checkpoint().treeSize() > 0) {
      query.put("treeSize", String.valueOf(latest.checkpoint().treeSize()));
    }
    JsonNode proof;
    try {
      proof = client.get("ledger/proofs/inclusion", query);
    } catch (CliException e) {
      if (!e.id().equals("ROTOR-7202")) {
        throw e;
      }
      // The entry is newer than the latest checkpoint: prove it in the current tree instead.
      query.remove("treeSize");
      proof = client.get("ledger/proofs/inclusion", query);
    }
    long index = proof.path("leafIndex").asLong();
    long size = proof.path("treeSize").asLong();
    byte[] leaf = Base64.getDecoder().decode(proof.path("leafHash").asText());
    List<byte[]> path = new ArrayList<>();
    proof
        .path("inclusionPath")
        .forEach(hash -> path.add(Base64.getDecoder().decode(hash.asText())));
    boolean againstSigned = size == latest.checkpoint().treeSize();
    byte[] root =
        againstSigned
            ? latest.checkpoint().rootHash()
            : Base64.getDecoder().decode(proof.path("rootHash").asText());
    boolean included = MerkleProofs.verifyInclusion(index, size, leaf, path, root);
    String provedEventId = proof.path("eventId").asText(null);
    List<String> problems =
        problems(
            included,
            againstSigned,
            latest.signatureValid(),
            which.eventId,
            provedEventId,
            which.leafIndex,
            index);
    boolean ok = problems.isEmpty();
    PrintWriter out = spec.commandLine().getOut();
    if (access.json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("eventId", proof.path("eventId").asText(null));
      json.put("leafIndex", index);
      json.put("treeSize", size);
      json.put("included", included);
      json.put("againstSignedCheckpoint", againstSigned);
      json.put("signatureValid", latest.signatureValid());
      json.put("ok", ok);
      json.put("problems", problems);
      out.println(Json.line(json));
    } else {
      out.println(
          "Entry "
              + index
              + " (event "
              + proof.path("eventId").asText("?")
              + ") in a tree of "
              + size
              + " entries: "
              + (included ? "included" : "NOT INCLUDED")
              + " ("
              + path.size()
              + " hashes checked)");
      out.println(
          againstSigned
              ? "  against the latest signed checkpoint; " + latest.signatureLine()
              : "  against the ledger's current root (newer than the latest checkpoint, "
                  + latest.checkpoint().treeSize()
                  + " entries): prove it again after the next checkpoint");
      for (String problem : problems) {
        out.println("  NOT VERIFIED: " + problem);
      }
    }
    out.flush();
    return ok ? ExitCodes.OK : ExitCodes.NEGATIVE;
  }

  /**
   * Why a proof does not verify; none if it does. It verifies only if the entry is included in the
   * tree of the latest signed checkpoint, the trusted key signed that checkpoint, and the entry is
   * the one asked for: a root the ledger merely states proves nothing.
   */
  static List<String> problems(
      boolean included,
      boolean againstSigned,
      boolean signatureValid,
      String askedEventId,
      String provedEventId,
      Long askedLeafIndex,
      long provedLeafIndex) {
    List<String> problems = new ArrayList<>();
    if (!included) {
      problems.add("the inclusion path does not lead to the root");
    }
    if (!againstSigned) {
      problems.add(
          "the entry is newer than the latest signed checkpoint; the ledger's current root is not"
              + " signed");
    } else if (!signatureValid) {
      problems.add("the checkpoint's signature is not valid for the trusted key");
    }
    if (askedEventId != null && !askedEventId.equals(provedEventId)) {
      problems.add("the proof is for event " + provedEventId + ", not " + askedEventId);
    }
    if (askedLeafIndex != null && askedLeafIndex != provedLeafIndex) {
      problems.add("the proof is for entry " + provedLeafIndex + ", not " + askedLeafIndex);
    }
    return problems;
  }
}
