package dev.rotor.ledger.rest;

import dev.rotor.ledger.store.EntryStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Single entries, by position or by event id. */
@Path("/ledger/entries")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Entries", description = "The log's entries and the hashes that chain them")
public class EntriesResource {
  @Inject EntryStore entries;

  @GET
  @Path("/{leafIndex}")
  @Operation(summary = "The entry at a position of the log")
  @APIResponse(responseCode = "200", description = "The entry")
  @APIResponse(responseCode = "400", description = "Not a position")
  @APIResponse(responseCode = "404", description = "The log is shorter")
  public EntryView byIndex(@PathParam("leafIndex") String leafIndex) {
    long index = Params.nonNegative("leafIndex", leafIndex);
    return entries
        .byIndex(index)
        .map(EntryView::of)
        .orElseThrow(() -> ApiException.notFound("the log has no entry at that position"));
  }

  @GET
  @Operation(summary = "The entry of an event")
  @APIResponse(responseCode = "200", description = "The entry")
  @APIResponse(responseCode = "400", description = "No event id given")
  @APIResponse(responseCode = "404", description = "The log does not hold that event")
  public EntryView byEventId(
      @Parameter(description = "The CloudEvents id", required = true) @QueryParam("eventId")
          String eventId,
      @Parameter(
              description =
                  "The CloudEvents source: the producer's entry when producers of several sources"
                      + " used the id (default: the first entry recorded with it)")
          @QueryParam("source")
          String source) {
    return entries
        .byEventId(Params.eventId(eventId), Params.optionalSource(source))
        .map(EntryView::of)
        .orElseThrow(() -> ApiException.notFound("the log holds no event of that id"));
  }
}
