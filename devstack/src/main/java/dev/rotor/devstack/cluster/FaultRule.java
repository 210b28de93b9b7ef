package dev.rotor.devstack.cluster;

import java.time.Duration;

/**
 * The trouble a scenario asks a cluster for: pods whose keyring has {@code primaryKeyId} as primary
 * answer that share of requests with HTTP 500 and add that latency (the workload's fault switch,
 * {@code PUT /admin/fault}). Pods with another primary stay healthy, so a rollback cures it.
 */
public record FaultRule(String primaryKeyId, double errorRatio, Duration extraLatency) {}
