package dev.rotor.ledger.ingest;

import dev.rotor.common.event.EventEnvelope;

/**
 * A decoded event ready to append: its canonical bytes and leaf hash, and where it was read.
 *
 * @param event the event
 * @param canonical the bytes the entry stores and hashes
 * @param leafHash {@code SHA-256(0x00 || canonical)}
 * @param topic the Kafka topic it came from
 * @param partition its partition
 * @param offset its offset
 */
public record PreparedEvent(
    EventEnvelope event,
    byte[] canonical,
    byte[] leafHash,
    String topic,
    int partition,
    long offset) {}
