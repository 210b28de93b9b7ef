package dev.rotor.ledger.rest;

/**
 * The body of every error response.
 *
 * @param error a stable code: {@code INVALID_PARAMETER}, {@code NOT_FOUND}, {@code BUSY}, {@code
 *     UNAVAILABLE}
 * @param parameter the request parameter at fault, if one is
 * @param message what is wrong, in words (never echoing the value sent)
 */
public record ApiError(String error, String parameter, String message) {}
