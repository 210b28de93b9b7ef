/**
 * What exactly an entry hashes: RFC 8785 canonical JSON of the event as a structured CloudEvent.
 */
package dev.rotor.ledger.canonical;
