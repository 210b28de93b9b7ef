/**
 * Re-verification of the whole log from what the store holds: pure code fed entry by entry (the
 * store's {@link dev.rotor.ledger.store.LogVerifier} streams them).
 */
package dev.rotor.ledger.verify;
