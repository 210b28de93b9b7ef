/**
 * The manifest-service: writes a rotation into the target's Git repository as a reviewed change
 * (distribute, then promote), merges it on approval, and commits the rollback state when the
 * rotation fails. Packages by capability: {@code yaml} (in-place manifest editing), {@code keyring}
 * (what the keyring entries become), {@code git} (JGit: working copies, commits, trailers), {@code
 * review} (local and GitHub review providers), {@code rotation} (durable state and the worker that
 * drives each rotation), {@code events} (Kafka consumers and the outbox), {@code config}.
 */
package dev.rotor.manifest;
