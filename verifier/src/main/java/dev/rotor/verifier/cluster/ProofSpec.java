package dev.rotor.verifier.cluster;

import java.time.Instant;
import java.util.List;

/**
 * What the cluster must show.
 *
 * @param cluster the cluster
 * @param namespace the namespace of the Secret and the Deployments
 * @param secretName the Secret holding the keyring
 * @param expectedPrimaryKeyId the key id {@code keyring.primary} must name
 * @param expectedPrimaryFingerprint the fingerprint the primary key must have; null when only its
 *     id is known
 * @param retainedKeyId a key that must still be in the ring, so what it encrypted stays readable
 *     (after a promote: the previous primary, when known; after a rollback: the new key where it
 *     had reached the Secret); null for none
 * @param previousKeyId the key that was primary before the rotation, whose fingerprint the record
 *     of the rotation carries; null when unknown
 * @param deployments the Deployments whose pods must have started after the Secret changed
 * @param secretChangedAt when the Secret changed; pods that started before are stale
 */
public record ProofSpec(
    String cluster,
    String namespace,
    String secretName,
    String expectedPrimaryKeyId,
    String expectedPrimaryFingerprint,
    String retainedKeyId,
    String previousKeyId,
    List<String> deployments,
    Instant secretChangedAt) {
  public ProofSpec {
    deployments = List.copyOf(deployments);
  }
}
