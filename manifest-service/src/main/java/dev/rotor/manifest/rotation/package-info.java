/**
 * A rotation's durable state (PostgreSQL) and the worker that drives it: propose, wait for the
 * review, merge, roll back. Each step is idempotent against Git (it finds what it already wrote by
 * branch and trailers), writes its result and the events it causes in one transaction (the outbox),
 * and retries with backoff when something outside is unavailable.
 */
package dev.rotor.manifest.rotation;
