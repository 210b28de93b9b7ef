package dev.rotor.testsupport.kubernetes;

import java.time.Instant;

/**
 * A request the mock API server received.
 *
 * @param method the HTTP method
 * @param path the path without the query
 * @param query the query string, or empty
 * @param contentType the request's content type, or null
 * @param userAgent the client's user agent, or null
 * @param at when it arrived
 */
public record ApiRequest(
    String method, String path, String query, String contentType, String userAgent, Instant at) {}
