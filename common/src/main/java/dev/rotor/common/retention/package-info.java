/**
 * Retention of the services' own tables: deleting what is no longer needed in bounded batches, so
 * that a purge never holds a long lock. Pure Java: the caller runs each batch in its own
 * transaction.
 */
package dev.rotor.common.retention;
