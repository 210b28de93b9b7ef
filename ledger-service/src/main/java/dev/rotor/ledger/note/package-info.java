/**
 * Signed notes and checkpoints in the C2SP formats (signed-note, tlog-checkpoint) with Ed25519:
 * what the ledger signs and what a copy kept elsewhere verifies. Pure code, no I/O beyond reading
 * the key file.
 */
package dev.rotor.ledger.note;
