/**
 * Kafka: the consumers of {@code rotor.keys}, {@code rotor.approvals}, {@code rotor.rollouts} and
 * {@code rotor.verifications} (decode or dead-letter, record idempotently by event id, wake the
 * worker) and the outbox sender that writes {@code rotor.manifests}.
 */
package dev.rotor.manifest.events;
