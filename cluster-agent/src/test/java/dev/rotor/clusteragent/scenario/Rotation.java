package dev.rotor.clusteragent.scenario;

/**
 * One rotation of a test target, as the manifest-service leaves it in Git: the distribute and
 * promote commits on {@code main}, each with Rotor's trailers.
 */
public record Rotation(
    String id,
    Targets.Target target,
    TestKey oldKey,
    TestKey newKey,
    String distributeCommit,
    String promoteCommit) {}
