package dev.rotor.ledger.support;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.ledger.merkle.MerkleProofs;
import dev.rotor.ledger.note.Checkpoint;
import dev.rotor.ledger.note.NoteVerifier;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The ledger's REST API as a client (an auditor's tool) uses it. */
public final class Api {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Api() {}

  /** GET that must answer 200 with JSON. */
  public static JsonNode get(String path) {
    Response response = given().accept("application/json").when().get(path);
    if (response.statusCode() != 200) {
      throw new AssertionError(
          "GET " + path + " answered " + response.statusCode() + ": " + response.asString());
    }
    return json(response.asString());
  }

  /** GET returning the status, for polling. */
  public static int status(String path) {
    return given().accept("application/json").when().get(path).statusCode();
  }

  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The verifier key the service publishes, as the client trusts it. */
  public static NoteVerifier verifier() {
    String key =
        given()
            .accept("text/plain")
            .when()
            .get("/ledger/checkpoints/key")
            .then()
            .statusCode(200)
            .extract()
            .asString()
            .trim();
    return NoteVerifier.parse(key);
  }

  /** Opens a signed checkpoint with the published key. */
  public static Checkpoint open(String signedNote) {
    return Checkpoint.parse(NoteVerifier.open(signedNote, List.of(verifier())));
  }

  /** The entry of an event, or null while the log does not hold it. */
  public static JsonNode entry(String eventId) {
    Response response =
        given()
            .accept("application/json")
            .queryParam("eventId", eventId)
            .when()
            .get("/ledger/entries");
    return response.statusCode() == 200 ? json(response.asString()) : null;
  }

  /** Whether the entry's inclusion proof verifies against the given signed checkpoint. */
  public static boolean includedIn(long leafIndex, Checkpoint checkpoint) {
    JsonNode proof =
        get(
            "/ledger/proofs/inclusion?leafIndex="
                + leafIndex
                + "&treeSize="
                + checkpoint.treeSize());
    return MerkleProofs.verifyInclusion(
        leafIndex,
        checkpoint.treeSize(),
        Base64.getDecoder().decode(proof.get("leafHash").asText()),
        hashes(proof.get("inclusionPath")),
        checkpoint.rootHash());
  }

  public static List<byte[]> hashes(JsonNode array) {
    List<byte[]> out = new ArrayList<>();
    array.forEach(node -> out.add(Base64.getDecoder().decode(node.asText())));
    return out;
  }

  /** Runs a full verification and returns the report. */
  public static JsonNode verify() {
    Response response = given().accept("application/json").when().post("/ledger/verification");
    if (response.statusCode() != 200) {
      throw new AssertionError(
          "verification answered " + response.statusCode() + ": " + response.asString());
    }
    return json(response.asString());
  }
}
