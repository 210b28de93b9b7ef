/** The hash chain that links each entry to the one before it. */
package dev.rotor.ledger.chain;
