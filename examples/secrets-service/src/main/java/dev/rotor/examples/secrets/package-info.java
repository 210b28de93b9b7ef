/**
 * The Secrets Service: the reference workload whose key Rotor rotates. It encrypts payloads with
 * the keyring from its Secret ({@link dev.rotor.common.keyring.Keyring}), keeps them in PostgreSQL,
 * proves its keyring at start-up with a self-test line, and reports decrypt failures in its log and
 * metrics, which is what Rotor's verifier watches during a rotation.
 */
package dev.rotor.examples.secrets;
