/**
 * PostgreSQL: the append-only entries and checkpoints, the checkpoint outbox and the rotations
 * projection (Hibernate ORM with Panache), plus the streaming reads verification needs (JDBC).
 */
package dev.rotor.ledger.store;
