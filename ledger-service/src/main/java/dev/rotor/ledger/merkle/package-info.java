/**
 * The log's Merkle tree: RFC 6962 hashing, RFC 9162 inclusion and consistency proofs and their
 * verification. Pure code over byte arrays, no I/O: the store supplies subtree hashes through
 * {@link dev.rotor.ledger.merkle.NodeSource}.
 */
package dev.rotor.ledger.merkle;
