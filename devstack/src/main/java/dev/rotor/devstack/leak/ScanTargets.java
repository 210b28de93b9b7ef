package dev.rotor.devstack.leak;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a leak scan reads.
 *
 * @param base paths in the report are shown relative to it
 * @param clusterApis each cluster's Kubernetes API URL: every {@code keyring.key.*} entry of every
 *     Secret there is a key to look for, and every pod's {@code /q/metrics} and {@code /q/health}
 *     (its {@code status.podIP} and {@code prometheus.io/port}) a response to scan
 * @param keyringDirs folders searched for {@code keyring.key.<keyid>} files (the pods' mounted
 *     keyrings): keys to look for, also those a Secret no longer holds
 * @param kafkaBootstrap the broker: every record of every topic but Kafka's internal ones
 * @param logDirs every file under them
 * @param postgres {@code host:port} of the PostgreSQL server: every table of every database
 * @param postgresUser a user that may read every table (the superuser)
 * @param postgresPassword its password
 * @param gitRoots folders searched for Git repositories (bare or not): every object in them
 * @param ledgerUrl the ledger-service's base URL (its read API), or {@code null}
 * @param httpUrls other responses to scan (the services' {@code /q/metrics}, {@code /q/health})
 */
public record ScanTargets(
    Path base,
    Map<String, String> clusterApis,
    List<Path> keyringDirs,
    String kafkaBootstrap,
    List<Path> logDirs,
    String postgres,
    String postgresUser,
    String postgresPassword,
    List<Path> gitRoots,
    URI ledgerUrl,
    List<URI> httpUrls) {}
