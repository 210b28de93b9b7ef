package dev.rotor.examples.load;

import java.net.URI;

/**
 * A payload the load generator wrote, to read back later.
 *
 * @param id the id the service returned
 * @param plaintext what was written
 * @param keyId the key id the service reported it encrypted with
 * @param writtenThrough the base URL of the instance that wrote it
 */
public record WrittenPayload(String id, String plaintext, String keyId, URI writtenThrough) {}
