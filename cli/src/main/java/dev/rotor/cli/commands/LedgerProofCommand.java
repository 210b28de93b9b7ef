package dev.rotor.cli.commands;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.rotor.cli.CliException;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.ledger.LedgerClient;
import dev.rotor.cli.ledger.MerkleProofs;
import dev.rotor.cli.rotation.Texts;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.MessageDigest;
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
      "Prove that an event is in the ledger: fetches its inclusion proof and the entry's bytes,"
          + " and checks here that the proved leaf hash is SHA-256(0x00 || those bytes), that they"
          + " are the event asked for (the CloudEvent id, and with --source the source, inside"
          + " them; shown with the type), and that the path leads to"
          + " the latest signed checkpoint. Exits 1 if it does not verify: not included, the"
          + " checkpoint's signature not valid, the entry newer than the latest signed checkpoint"
          + " (prove it again after the next one), the proof for another entry or event, or a"
          + " proof or entry that is malformed."
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

  @Option(
      names = "--source",
      paramLabel = "<source>",
      description =
          "The event's CloudEvents source, e.g. /rotor/key-generator. The ledger keeps an event id"
              + " once per source, so an id alone can name the event of another producer: with"
              + " --source the ledger is asked for that producer's, and the entry's bytes must"
              + " say that source.")
  String source;

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
    if (source != null
        && (source.isEmpty()
            || source.length() > 256
            || source.chars().anyMatch(Character::isISOControl))) {
      throw CliException.usage(
          "ROTOR-7000", "--source: 1 to 256 characters, no control characters");
    }
    LedgerClient client = access.client();
    LedgerAccess.Verified latest = access.latest(client, access.trustedKey(client));
    Map<String, String> query = new LinkedHashMap<>();
    if (which.eventId != null) {
      query.put("eventId", which.eventId);
      if (source != null) {
        query.put("source", source);
      }
    } else {
      // A position names one entry: the ledger takes no source with it (HTTP 400); the entry's
      // bytes must still say that source (below).
      query.put("leafIndex", String.valueOf(which.leafIndex));
    }
    if (latest.checkpoint().treeSize() > 0) {
      query.put("treeSize", String.valueOf(latest.checkpoint().treeSize()));
    }
    JsonNode proof;
    try {
      proof = inclusionProof(client, query);
    } catch (CliException e) {
      if (!LedgerClient.isRefused(e) || !query.containsKey("treeSize")) {
        throw e;
      }
      // The ledger refuses (400) a tree size the entry is not in: it is newer than the latest
      // checkpoint, so prove it in the current tree instead. A ledger that is down (5xx, 429) or
      // answers garbage is not asked again.
      query.remove("treeSize");
      proof = inclusionProof(client, query);
    }
    long index = position(proof.path("leafIndex"), "leafIndex");
    long size = position(proof.path("treeSize"), "treeSize");
    byte[] leaf = hash(proof.path("leafHash"), "leafHash");
    List<byte[]> path = new ArrayList<>();
    JsonNode inclusionPath = proof.path("inclusionPath");
    if (!inclusionPath.isArray()) {
      throw malformed("the inclusion proof", "inclusionPath: missing or not a list of hashes");
    }
    for (int i = 0; i < inclusionPath.size(); i++) {
      path.add(hash(inclusionPath.get(i), "inclusionPath[" + i + "]"));
    }
    boolean againstSigned = size == latest.checkpoint().treeSize();
    byte[] root =
        againstSigned ? latest.checkpoint().rootHash() : hash(proof.path("rootHash"), "rootHash");
    boolean included = MerkleProofs.verifyInclusion(index, size, leaf, path, root);
    // The proof's leafHash and eventId are the ledger's word: the entry's own bytes say which
    // event the proved leaf is.
    Entry entry = entry(client, index);
    boolean leafIsEntry = MessageDigest.isEqual(MerkleProofs.leaf(entry.canonical()), leaf);
    String labelledEventId = proof.path("eventId").asText(null);
    List<String> problems =
        problems(
            included,
            againstSigned,
            latest.signatureValid(),
            leafIsEntry,
            which.eventId,
            entry.eventId(),
            labelledEventId,
            which.leafIndex,
            index,
            source,
            entry.source());
    boolean ok = problems.isEmpty();
    PrintWriter out = spec.commandLine().getOut();
    if (access.json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("eventId", entry.eventId());
      json.put("source", entry.source());
      json.put("type", entry.type());
      json.put("leafIndex", index);
      json.put("treeSize", size);
      json.put("included", included);
      json.put("leafHashOfEntry", leafIsEntry);
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
              + entry.eventId()
              + " from "
              + Texts.cut(entry.source(), 120)
              + ", type "
              + Texts.cut(entry.type(), 120)
              + ", by its bytes) in a tree of "
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

  /** The inclusion proof; a body that is not JSON does not verify (exit 1, ROTOR-7207). */
  private static JsonNode inclusionProof(LedgerClient client, Map<String, String> query) {
    try {
      return client.get("ledger/proofs/inclusion", query);
    } catch (CliException e) {
      if (LedgerClient.isNotJson(e)) {
        throw malformed("the inclusion proof", "not JSON");
      }
      throw e;
    }
  }

  /**
   * An entry as its bytes tell it: the bytes the ledger hashed, and the event's id, source and type
   * inside them.
   */
  record Entry(byte[] canonical, String eventId, String source, String type) {}

  /**
   * Entry {@code index} ({@code GET /ledger/entries/{index}}): its canonical bytes (the RFC 8785
   * JSON of the CloudEvent, exactly as hashed) and the CloudEvent {@code id} read from them, not
   * the ledger's label.
   */
  static Entry entry(LedgerClient client, long index) {
    JsonNode view;
    try {
      view = client.get("ledger/entries/" + index, Map.of());
    } catch (CliException e) {
      if (LedgerClient.isNotJson(e)) {
        throw malformed("entry " + index, "not JSON");
      }
      if (!LedgerClient.isNotFound(e)) {
        throw e;
      }
      throw new CliException(
          "ROTOR-7207",
          ExitCodes.NEGATIVE,
          "the ledger's proof does not verify: it is for entry "
              + index
              + ", but the ledger has no such entry");
    }
    return entry(view, index);
  }

  /** Reads an entry's canonical bytes and the event id in them; malformed: exit 1, ROTOR-7207. */
  static Entry entry(JsonNode view, long index) {
    String what = "entry " + index;
    JsonNode canonical = view.path("canonical");
    if (!canonical.isTextual()) {
      throw malformed(what, "canonical: missing or not a string");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(canonical.asText());
    } catch (IllegalArgumentException e) {
      throw malformed(what, "canonical: not base64");
    }
    JsonNode event;
    try {
      event = STRICT.readTree(bytes);
    } catch (MismatchedInputException e) {
      throw malformed(what, "canonical: more than one JSON value");
    } catch (StreamReadException e) {
      throw malformed(
          what,
          e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
              ? "canonical: a name twice in one JSON object"
              : "canonical: not JSON");
    } catch (IOException e) {
      throw malformed(what, "canonical: not JSON");
    }
    if (event == null || !event.isObject()) {
      throw malformed(what, "canonical: not a CloudEvent (a JSON object)");
    }
    JsonNode id = event.path("id");
    if (!id.isTextual() || id.asText().isEmpty()) {
      throw malformed(what, "canonical: a CloudEvent without an id");
    }
    if (id.asText().length() > 256 || id.asText().chars().anyMatch(Character::isISOControl)) {
      throw malformed(what, "canonical: the CloudEvent id has over 256 or control characters");
    }
    JsonNode source = event.path("source");
    if (!source.isTextual() || source.asText().isEmpty()) {
      throw malformed(what, "canonical: a CloudEvent without a source");
    }
    JsonNode type = event.path("type");
    if (!type.isTextual() || type.asText().isEmpty()) {
      throw malformed(what, "canonical: a CloudEvent without a type");
    }
    return new Entry(bytes, id.asText(), source.asText(), type.asText());
  }

  /**
   * Reads canonical bytes strictly: a name twice in one object ({@code {"id":"a",...,"id":"b"}}) or
   * anything after the event would let the bytes say two things, and are refused.
   */
  private static final ObjectReader STRICT =
      Json.mapper()
          .reader()
          .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** A position in the log ({@code leafIndex}, {@code treeSize}): a whole number, at least 0. */
  static long position(JsonNode node, String field) {
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 0) {
      throw malformed("the inclusion proof", field + ": missing or not a whole number >= 0");
    }
    return node.asLong();
  }

  /** A SHA-256 hash in base64, as proofs carry them. */
  static byte[] hash(JsonNode node, String field) {
    if (!node.isTextual()) {
      throw malformed("the inclusion proof", field + ": missing or not a string");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(node.asText());
    } catch (IllegalArgumentException e) {
      throw malformed("the inclusion proof", field + ": not base64");
    }
    if (bytes.length != 32) {
      throw malformed(
          "the inclusion proof",
          field + ": " + bytes.length + " bytes, not a SHA-256 hash (32 bytes)");
    }
    return bytes;
  }

  /**
   * What the ledger answered cannot be checked: the proof does not verify (exit 1), the ledger was
   * reached. The message names the field, never its value (an entry's bytes may hold sealed keys).
   */
  private static CliException malformed(String what, String problem) {
    return new CliException(
        "ROTOR-7207",
        ExitCodes.NEGATIVE,
        "the ledger's proof does not verify: " + what + " is malformed: " + problem);
  }

  /**
   * Why a proof does not verify; none if it does. It verifies only if the entry is included in the
   * tree of the latest signed checkpoint, the trusted key signed that checkpoint, the proved leaf
   * hash is that of the entry's own bytes ({@code SHA-256(0x00 || canonical)}), and the entry is
   * the one asked for, by the event id inside those bytes: a root the ledger merely states, or a
   * label it puts on a proof, proves nothing. With {@code --source}, the entry's bytes must say the
   * source asked for.
   */
  static List<String> problems(
      boolean included,
      boolean againstSigned,
      boolean signatureValid,
      boolean leafIsEntry,
      String askedEventId,
      String provedEventId,
      String labelledEventId,
      Long askedLeafIndex,
      long provedLeafIndex,
      String askedSource,
      String provedSource) {
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
    if (!leafIsEntry) {
      problems.add(
          "the proof's leafHash is not the hash of entry "
              + provedLeafIndex
              + "'s bytes: the proof is for another entry");
    }
    if (askedEventId != null && !askedEventId.equals(provedEventId)) {
      problems.add(
          "the proof is for event "
              + provedEventId
              + " (entry "
              + provedLeafIndex
              + "'s bytes), not "
              + askedEventId
              + (provedEventId.equals(labelledEventId)
                  ? ""
                  : "; the ledger labelled it " + Texts.cut(labelledEventId, 80)));
    }
    if (askedLeafIndex != null && askedLeafIndex != provedLeafIndex) {
      problems.add("the proof is for entry " + provedLeafIndex + ", not " + askedLeafIndex);
    }
    if (askedSource != null && !askedSource.equals(provedSource)) {
      problems.add(
          "the proof is for an event from "
              + Texts.cut(provedSource, 120)
              + " (entry "
              + provedLeafIndex
              + "'s bytes), not from "
              + askedSource);
    }
    return problems;
  }
}
