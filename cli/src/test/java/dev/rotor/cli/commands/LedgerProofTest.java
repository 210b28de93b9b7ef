package dev.rotor.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotor.cli.Rotorctl;
import dev.rotor.cli.ledger.MerkleProofs;
import dev.rotor.cli.ledger.NoteSigner;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * rotorctl ledger proof against a ledger of four entries whose answers the tests may falsify: the
 * proof must be tied to the entry's own bytes and the event id inside them, not to the labels the
 * ledger puts on it.
 */
class LedgerProofTest {
  private static final Base64.Encoder B64 = Base64.getEncoder();

  private HttpServer ledger;
  private NoteSigner signer;
  private final List<byte[]> canonical = new ArrayList<>();
  private final List<byte[]> leaves = new ArrayList<>();

  /** The proof the ledger answers, whatever was asked. */
  private String proof;

  /** What the ledger answers instead when asked for a proof in a given tree size, if anything. */
  private int statusWithTreeSize = 200;

  private String bodyWithTreeSize = "{\"error\":\"BAD_REQUEST\",\"message\":\"no\"}";

  /** The query strings of the proofs asked for. */
  private final List<String> proofQueries = new ArrayList<>();

  /** The entries the ledger serves by position; an honest ledger serves {@link #canonical}. */
  private final Map<Long, String> entries = new HashMap<>();

  @BeforeEach
  void start() throws Exception {
    signer = new NoteSigner("rotor-ledger");
    for (int i = 0; i < 4; i++) {
      byte[] bytes =
          ("{\"data\":{\"approver\":\"bob\"},\"datacontenttype\":\"application/json\",\"id\":\"evt-"
                  + i
                  + "\",\"source\":\"/rotor/cli\",\"specversion\":\"1.0\","
                  + "\"type\":\"dev.rotor.rotation.approved.v1\"}")
              .getBytes(StandardCharsets.UTF_8);
      canonical.add(bytes);
      leaves.add(MerkleProofs.leaf(bytes));
      entries.put((long) i, entry(i, bytes));
    }
    String note =
        signer.sign(
            "rotor.example.com/ledger\n4\n"
                + B64.encodeToString(MerkleProofs.root(leaves))
                + "\ntime 2026-11-26T06:00:00Z\n");
    ledger = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ledger.createContext(
        "/ledger/checkpoints/latest",
        exchange ->
            answer(exchange, 200, "{\"signedNote\":\"" + note.replace("\n", "\\n") + "\"}"));
    ledger.createContext(
        "/ledger/proofs/inclusion",
        exchange -> {
          String query = exchange.getRequestURI().getRawQuery();
          proofQueries.add(query);
          if (query.contains("leafIndex=") && query.contains("source=")) {
            // As the ledger does: a position names one entry, a source goes with an event id.
            answer(exchange, 400, "{\"error\":\"INVALID\",\"parameter\":\"source\"}");
          } else if (statusWithTreeSize != 200 && query.contains("treeSize=")) {
            answer(exchange, statusWithTreeSize, bodyWithTreeSize);
          } else {
            answer(exchange, 200, proof);
          }
        });
    ledger.createContext(
        "/ledger/entries/",
        exchange -> {
          String index = exchange.getRequestURI().getPath().substring("/ledger/entries/".length());
          String entry = entries.get(Long.parseLong(index));
          if (entry == null) {
            answer(
                exchange, 404, "{\"error\":\"NOT_FOUND\",\"message\":\"no entry " + index + "\"}");
          } else {
            answer(exchange, 200, entry);
          }
        });
    ledger.start();
  }

  @AfterEach
  void stop() {
    ledger.stop(0);
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /** The entry view: the ledger's labels and the canonical bytes. */
  private String entry(long index, byte[] bytes) {
    return "{\"leafIndex\":"
        + index
        + ",\"eventId\":\"evt-"
        + index
        + "\",\"source\":\"/rotor/cli\",\"canonical\":\""
        + B64.encodeToString(bytes)
        + "\",\"leafHash\":\""
        + B64.encodeToString(MerkleProofs.leaf(bytes))
        + "\"}";
  }

  /** The RFC 9162 inclusion path of entry {@code index} in the tree of four entries. */
  private List<byte[]> path(int index) {
    int sibling = index ^ 1;
    int otherHalf = index < 2 ? 2 : 0;
    return List.of(
        leaves.get(sibling), MerkleProofs.root(leaves.subList(otherHalf, otherHalf + 2)));
  }

  private static String proof(
      long index, String labelledEventId, String leafHash, List<byte[]> path) {
    return "{\"leafIndex\":"
        + index
        + ",\"treeSize\":4,\"eventId\":\""
        + labelledEventId
        + "\",\"leafHash\":\""
        + leafHash
        + "\",\"inclusionPath\":["
        + String.join(",", path.stream().map(h -> "\"" + B64.encodeToString(h) + "\"").toList())
        + "]}";
  }

  private Rotorctl.Result prove(String... args) {
    List<String> all = new ArrayList<>(List.of("ledger", "proof"));
    all.addAll(List.of(args));
    all.addAll(
        List.of(
            "--ledger-url",
            "http://127.0.0.1:" + ledger.getAddress().getPort(),
            "--key",
            signer.verifierKey()));
    return Rotorctl.run(all.toArray(String[]::new));
  }

  @Test
  void anHonestProofOfTheAskedEventVerifies() {
    proof = proof(1, "evt-1", B64.encodeToString(leaves.get(1)), path(1));

    Rotorctl.Result result = prove("evt-1");

    assertThat(result.exitCode()).as(result.output() + result.errorOutput()).isZero();
    assertThat(result.output())
        .startsWith(
            "Entry 1 (event evt-1 from /rotor/cli, type dev.rotor.rotation.approved.v1, by its"
                + " bytes) in a tree of 4 entries: included")
        .doesNotContain("NOT VERIFIED");
  }

  @Test
  void aProofOfAnotherEntryLabelledWithTheAskedEventIdDoesNotVerify() {
    // Entry 3 is evt-3, and its proof is sound; the ledger labels it evt-1, the event asked for.
    proof = proof(3, "evt-1", B64.encodeToString(leaves.get(3)), path(3));

    Rotorctl.Result result = prove("evt-1");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output())
        .contains(
            "  NOT VERIFIED: the proof is for event evt-3 (entry 3's bytes), not evt-1; the ledger"
                + " labelled it evt-1");
  }

  @Test
  void aLeafHashThatIsNotTheHashOfTheEntrysBytesDoesNotVerify() {
    // The ledger serves evt-1's bytes as entry 3, but proves entry 3's real leaf hash.
    entries.put(
        3L, entry(3, canonical.get(1)).replace("\"eventId\":\"evt-3\"", "\"eventId\":\"evt-1\""));
    proof = proof(3, "evt-1", B64.encodeToString(leaves.get(3)), path(3));

    Rotorctl.Result json = prove("evt-1", "-o", "json");

    assertThat(json.exitCode()).isEqualTo(1);
    assertThat(json.output())
        .contains("\"leafHashOfEntry\":false", "\"ok\":false")
        .contains(
            "the proof's leafHash is not the hash of entry 3's bytes: the proof is for another"
                + " entry");
  }

  @Test
  void aGarbledProofDoesNotVerifyAndSaysWhichFieldIsGarbled() {
    proof = proof(1, "evt-1", "not*base64!", path(1));

    Rotorctl.Result result = prove("evt-1");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7207 the ledger's proof does not verify: the inclusion proof is"
                + " malformed: leafHash: not base64");
  }

  @Test
  void aGarbledEntryOrAProofOfAnEntryTheLedgerDoesNotHaveDoesNotVerify() {
    proof = proof(1, "evt-1", B64.encodeToString(leaves.get(1)), path(1));
    entries.put(1L, "{\"leafIndex\":1,\"eventId\":\"evt-1\",\"canonical\":\"%%%\"}");

    Rotorctl.Result garbled = prove("evt-1");

    assertThat(garbled.exitCode()).isEqualTo(1);
    assertThat(garbled.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7207 the ledger's proof does not verify: entry 1 is malformed:"
                + " canonical: not base64");

    entries.remove(1L);
    Rotorctl.Result missing = prove("evt-1");

    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7207 the ledger's proof does not verify: it is for entry 1, but the"
                + " ledger has no such entry");
  }

  @Test
  void withSourceTheLedgerIsAskedForThatProducersEventAndTheBytesMustSayIt() {
    proof = proof(1, "evt-1", B64.encodeToString(leaves.get(1)), path(1));

    Rotorctl.Result same = prove("evt-1", "--source", "/rotor/cli", "-o", "json");

    assertThat(same.exitCode()).as(same.output() + same.errorOutput()).isZero();
    assertThat(proofQueries).last().asString().contains("source=%2Frotor%2Fcli");
    assertThat(same.output())
        .contains(
            "\"eventId\":\"evt-1\"",
            "\"source\":\"/rotor/cli\"",
            "\"type\":\"dev.rotor.rotation.approved.v1\"",
            "\"ok\":true");

    // The ledger proves the /rotor/cli event with that id, not the key-generator's asked for.
    Rotorctl.Result other = prove("evt-1", "--source", "/rotor/key-generator");

    assertThat(other.exitCode()).isEqualTo(1);
    assertThat(proofQueries).last().asString().contains("source=%2Frotor%2Fkey-generator");
    assertThat(other.output())
        .contains(
            "  NOT VERIFIED: the proof is for an event from /rotor/cli (entry 1's bytes), not from"
                + " /rotor/key-generator");
  }

  @Test
  void withALeafIndexTheSourceIsCheckedInTheBytesNotAskedOfTheLedger() {
    proof = proof(1, "evt-1", B64.encodeToString(leaves.get(1)), path(1));

    Rotorctl.Result same = prove("--leaf-index", "1", "--source", "/rotor/cli");

    assertThat(same.exitCode()).as(same.output() + same.errorOutput()).isZero();
    assertThat(proofQueries).last().asString().contains("leafIndex=1").doesNotContain("source=");

    Rotorctl.Result other = prove("--leaf-index", "1", "--source", "/rotor/key-generator");

    assertThat(other.exitCode()).as(other.output() + other.errorOutput()).isEqualTo(1);
    assertThat(other.output()).contains("not from /rotor/key-generator");
  }

  @Test
  void aSourceWithControlCharactersIsRefused() {
    Rotorctl.Result result = prove("evt-1", "--source", "/rotor/cli\u001b[2J");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.errorOutput())
        .isEqualTo("rotorctl: ROTOR-7000 --source: 1 to 256 characters, no control characters");
  }

  @Test
  void canonicalBytesThatSayTwoThingsAreRefused() {
    proof = proof(1, "evt-1", B64.encodeToString(leaves.get(1)), path(1));
    String twice = "{\"id\":\"evt-1\",\"source\":\"/rotor/cli\",\"type\":\"t\",\"id\":\"evt-2\"}";
    entries.put(1L, entry(1, twice.getBytes(StandardCharsets.UTF_8)));

    Rotorctl.Result duplicate = prove("evt-1");

    assertThat(duplicate.exitCode()).isEqualTo(1);
    assertThat(duplicate.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7207 the ledger's proof does not verify: entry 1 is malformed:"
                + " canonical: a name twice in one JSON object");

    byte[] trailing =
        (new String(canonical.get(1), StandardCharsets.UTF_8) + " {\"id\":\"evt-2\"}")
            .getBytes(StandardCharsets.UTF_8);
    entries.put(1L, entry(1, trailing));

    Rotorctl.Result more = prove("evt-1");

    assertThat(more.exitCode()).isEqualTo(1);
    assertThat(more.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7207 the ledger's proof does not verify: entry 1 is malformed:"
                + " canonical: more than one JSON value");
  }

  @Test
  void aRefusedTreeSizeIsAskedAgainWithoutButALedgerThatIsDownIsNot() {
    proof = proof(1, "evt-1", B64.encodeToString(leaves.get(1)), path(1));
    statusWithTreeSize = 400;

    Rotorctl.Result refused = prove("evt-1");

    assertThat(refused.exitCode()).as(refused.output() + refused.errorOutput()).isZero();
    assertThat(proofQueries).hasSize(2);
    assertThat(proofQueries.get(1)).doesNotContain("treeSize");

    for (int status : List.of(500, 503, 429)) {
      proofQueries.clear();
      statusWithTreeSize = status;

      Rotorctl.Result down = prove("evt-1");

      assertThat(down.exitCode()).isEqualTo(3);
      assertThat(down.errorOutput()).startsWith("rotorctl: ROTOR-7202 the ledger refused");
      assertThat(proofQueries).hasSize(1);
    }

    proofQueries.clear();
    statusWithTreeSize = 200;
    proof = "<html>proxy error</html>";

    Rotorctl.Result garbage = prove("evt-1");

    assertThat(garbage.exitCode()).isEqualTo(1);
    assertThat(garbage.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7207 the ledger's proof does not verify: the inclusion proof is"
                + " malformed: not JSON");
    assertThat(proofQueries).hasSize(1);
  }

  @Test
  void anEntryThatIsNotJsonDoesNotVerify() {
    proof = proof(1, "evt-1", B64.encodeToString(leaves.get(1)), path(1));
    entries.put(1L, "<html>proxy error</html>");

    Rotorctl.Result result = prove("evt-1");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.errorOutput())
        .isEqualTo(
            "rotorctl: ROTOR-7207 the ledger's proof does not verify: entry 1 is malformed: not"
                + " JSON");
  }

  @Test
  void theLedgersLabelIsShownCutAndWithoutControlCharacters() {
    String label = "evt-1\\u001b[2J" + "x".repeat(300);
    proof = proof(3, label, B64.encodeToString(leaves.get(3)), path(3));

    Rotorctl.Result result = prove("evt-1");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output())
        .doesNotContain("\u001b")
        .doesNotContain("x".repeat(100))
        .contains(
            "the proof is for event evt-3 (entry 3's bytes), not evt-1; the ledger labelled"
                + " it evt-1 [2Jxxx");
  }
}
