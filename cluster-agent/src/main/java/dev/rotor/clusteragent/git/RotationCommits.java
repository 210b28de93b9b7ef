package dev.rotor.clusteragent.git;

/**
 * A rotation's commits on the default branch, found by the trailers the manifest-service writes
 * ({@code Rotor-Rotation-Id}, {@code Rotor-Phase}, {@code Rotor-Key-Fingerprint}).
 *
 * @param distributeCommit the commit that adds the new key decrypt-only
 * @param promoteCommit the commit that makes it primary
 * @param fingerprint the new key's fingerprint
 */
public record RotationCommits(String distributeCommit, String promoteCommit, String fingerprint) {}
