package dev.rotor.examples.secrets;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The JSON body of every error answer. Clients tell errors apart by {@code error}: {@code
 * decrypt_failed}, {@code injected_fault}, {@code not_found}, {@code invalid_request}, {@code
 * admin_disabled}.
 *
 * @param error a stable code
 * @param messageId the id of the log line written for it, if any ({@code SECRETS-0100})
 * @param keyId the key id concerned, if any
 * @param message what happened, for a person (key ids only, never a key or a plaintext)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String error, String messageId, String keyId, String message) {}
