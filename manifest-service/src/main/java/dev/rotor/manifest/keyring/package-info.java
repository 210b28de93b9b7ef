/**
 * What a rotation does to the keyring entries of the manifest: the keyring read from the file, the
 * transitions (distribute, promote, rollback) as data changes, and the values written, sealed for
 * the sealed-secrets controller or, only where the policy allows plaintext in Git, base64.
 */
package dev.rotor.manifest.keyring;
