/**
 * Key material and how it is sealed: generation from a NIST SP 800-90A DRBG, the runbook's
 * fingerprint, age v1 (X25519) for hand-over and escrow, and Bitnami SealedSecret values for
 * manifests in Git. Pure code: no I/O besides the JDK's entropy source, no Kafka, Kubernetes, Git
 * or Quarkus types. The protocol choices are explained in {@code docs/crypto.md}.
 *
 * <p>The plaintext key never appears in an exception message or a {@code toString()}, and buffers
 * that held it are zeroed when their owner is closed.
 */
package dev.rotor.common.crypto;
