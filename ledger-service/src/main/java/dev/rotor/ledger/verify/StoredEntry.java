package dev.rotor.ledger.verify;

import java.time.Instant;

/** An entry as the store holds it, every column the verification checks. */
public record StoredEntry(
    long leafIndex,
    String eventId,
    String eventType,
    String source,
    String subject,
    String rotationId,
    Instant eventTime,
    byte[] canonical,
    byte[] leafHash,
    byte[] prevHash,
    byte[] chainHash,
    byte[] subtreeHashes) {}
