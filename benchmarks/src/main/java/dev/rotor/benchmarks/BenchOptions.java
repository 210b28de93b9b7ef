package dev.rotor.benchmarks;

import java.time.Duration;

/**
 * How a benchmark runs, from the command line ({@code benchmarks/bench <name> --help}).
 *
 * @param portOffset added to every fixed port (Kafka 9092, PostgreSQL 15432, services 8081-8086)
 * @param targets targets in the policy, the Git repository and every cluster
 * @param clusters simulated clusters, each with its own agent
 * @param stages stages of each target, on consecutive clusters: target i starts on cluster ((i - 1)
 *     mod clusters) + 1; {@code clusters} (the default) rotates every target on every cluster in
 *     order, 1 spreads the targets over the clusters, one cluster each
 * @param rotations rotations the overhead benchmark runs, one after the other
 * @param partitions partitions of every topic
 * @param verifierTick the verifier's {@code rotor.verifier.tick}
 * @param agentConcurrency the cluster-agents' {@code rollout.concurrency}; 0 keeps its default
 * @param serviceHeap each service's {@code -Xmx}
 * @param jfr the Flight Recorder settings each service records with ({@code default} or {@code
 *     profile}), or empty for none
 * @param sequentialStart start the services one at a time (clean start-up figures)
 * @param timeout how long the rotations may take before the run gives up
 */
record BenchOptions(
    int portOffset,
    int targets,
    int clusters,
    int stages,
    int rotations,
    int partitions,
    Duration verifierTick,
    int agentConcurrency,
    String serviceHeap,
    String jfr,
    boolean sequentialStart,
    Duration timeout) {}
