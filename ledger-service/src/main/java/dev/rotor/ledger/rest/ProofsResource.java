package dev.rotor.ledger.rest;

import dev.rotor.ledger.merkle.ProofBuilder;
import dev.rotor.ledger.store.CheckpointStore;
import dev.rotor.ledger.store.EntryEntity;
import dev.rotor.ledger.store.EntryStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * RFC 9162 proofs: that an entry is in the log, and that a larger log extends a smaller one. Verify
 * them against signed checkpoints you trust, not against the roots this response repeats.
 */
@Path("/ledger/proofs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Proofs", description = "Inclusion and consistency proofs (RFC 9162 section 2.1)")
public class ProofsResource {
  @Inject EntryStore entries;
  @Inject CheckpointStore checkpoints;

  /**
   * An inclusion proof.
   *
   * @param leafIndex the entry's position
   * @param treeSize the size of the tree the proof is for
   * @param eventId the entry's event id
   * @param source the entry's CloudEvents source (the producer)
   * @param leafHash the entry's leaf hash (base64)
   * @param inclusionPath the proof, from the leaf's sibling up (base64 hashes)
   * @param rootHash the root of the tree of {@code treeSize} entries (base64)
   * @param checkpoint the signed checkpoint of that size, if one was issued
   */
  public record InclusionProof(
      long leafIndex,
      long treeSize,
      String eventId,
      String source,
      String leafHash,
      List<String> inclusionPath,
      String rootHash,
      CheckpointView checkpoint) {}

  /**
   * A consistency proof.
   *
   * @param first the smaller tree size
   * @param second the larger tree size
   * @param consistencyPath the proof (base64 hashes)
   * @param firstRootHash the root at {@code first} (base64)
   * @param secondRootHash the root at {@code second} (base64)
   * @param firstCheckpoint the signed checkpoint at {@code first}, if one was issued
   * @param secondCheckpoint the signed checkpoint at {@code second}, if one was issued
   */
  public record ConsistencyProof(
      long first,
      long second,
      List<String> consistencyPath,
      String firstRootHash,
      String secondRootHash,
      CheckpointView firstCheckpoint,
      CheckpointView secondCheckpoint) {}

  @GET
  @Path("/inclusion")
  @Operation(
      summary = "Inclusion proof of an entry",
      description =
          "By leafIndex or eventId. The tree size defaults to the latest checkpoint's when it"
              + " covers the entry, else to the current size of the log.")
  @APIResponse(responseCode = "200", description = "The proof")
  @APIResponse(
      responseCode = "400",
      description = "Neither or both of leafIndex and eventId, or a size that does not hold it")
  @APIResponse(responseCode = "404", description = "No such entry")
  public InclusionProof inclusion(
      @Parameter(description = "The entry's position") @QueryParam("leafIndex") String leafIndex,
      @Parameter(description = "Or the entry's event id") @QueryParam("eventId") String eventId,
      @Parameter(
              description =
                  "With eventId: the event's CloudEvents source (default: the first entry recorded"
                      + " with the id)")
          @QueryParam("source")
          String source,
      @Parameter(description = "Size of the tree to prove inclusion in") @QueryParam("treeSize")
          String treeSize) {
    Long index = Params.optionalNonNegative("leafIndex", leafIndex);
    if ((index == null) == (eventId == null || eventId.isEmpty())) {
      throw ApiException.invalid("leafIndex", "give exactly one of leafIndex and eventId");
    }
    if (index != null && source != null && !source.isEmpty()) {
      throw ApiException.invalid("source", "source goes with eventId, not with leafIndex");
    }
    EntryEntity entry =
        (index != null
                ? entries.byIndex(index)
                : entries.byEventId(Params.eventId(eventId), Params.optionalSource(source)))
            .orElseThrow(() -> ApiException.notFound("the log holds no such entry"));
    long current = entries.size();
    Long requested = Params.optionalNonNegative("treeSize", treeSize);
    long size;
    if (requested != null) {
      if (requested <= entry.leafIndex || requested > current) {
        throw ApiException.invalid(
            "treeSize", "treeSize must be above the entry's position and at most the log's size");
      }
      size = requested;
    } else {
      long signed = checkpoints.latestSize();
      size = signed > entry.leafIndex ? signed : current;
    }
    ProofBuilder proofs = new ProofBuilder(entries);
    return new InclusionProof(
        entry.leafIndex,
        size,
        entry.eventId,
        entry.source,
        base64(entry.leafHash),
        proofs.inclusionProof(entry.leafIndex, size).stream().map(ProofsResource::base64).toList(),
        base64(proofs.root(size)),
        checkpoints.atSize(size).map(CheckpointView::of).orElse(null));
  }

  @GET
  @Path("/consistency")
  @Operation(
      summary = "Consistency proof between two tree sizes",
      description = "Proves that the log of `second` entries extends the log of `first` entries.")
  @APIResponse(responseCode = "200", description = "The proof")
  @APIResponse(responseCode = "400", description = "Sizes missing, reversed or beyond the log")
  public ConsistencyProof consistency(
      @Parameter(description = "The smaller size", required = true) @QueryParam("first")
          String first,
      @Parameter(description = "The larger size (default: the latest checkpoint's)")
          @QueryParam("second")
          String second) {
    long from = Params.nonNegative("first", first);
    Long requested = Params.optionalNonNegative("second", second);
    long current = entries.size();
    long to = requested != null ? requested : checkpoints.latestSize();
    if (to > current) {
      throw ApiException.invalid("second", "second must be at most the log's size");
    }
    if (from > to) {
      throw ApiException.invalid("first", "first must be at most second");
    }
    ProofBuilder proofs = new ProofBuilder(entries);
    return new ConsistencyProof(
        from,
        to,
        proofs.consistencyProof(from, to).stream().map(ProofsResource::base64).toList(),
        base64(proofs.root(from)),
        base64(proofs.root(to)),
        checkpoints.atSize(from).map(CheckpointView::of).orElse(null),
        checkpoints.atSize(to).map(CheckpointView::of).orElse(null));
  }

  private static String base64(byte[] hash) {
    return Base64.getEncoder().encodeToString(hash);
  }
}
