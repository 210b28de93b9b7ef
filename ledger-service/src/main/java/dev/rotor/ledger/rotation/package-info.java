/** Rotation records: what the entries of one rotation say, folded into one record. */
package dev.rotor.ledger.rotation;
