package dev.rotor.devstack.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one local cluster runs, written by the devstack as {@code cluster.json} for its {@link
 * ClusterMain}.
 *
 * @param name the cluster's name, as the policy's stages name it
 * @param namespace the workload's namespace
 * @param deployment the workload's Deployment
 * @param secretName the Secret that holds its keyring
 * @param replicas pods per rollout
 * @param initialManifest the SealedSecret (YAML) applied before the workload starts
 * @param sealingDirectory where the sealed-secrets controller's key pair is kept
 * @param workloadJar the example workload every pod runs
 * @param jdbcUrl the workload's database
 * @param jdbcUser its user
 * @param podDirectory where each pod's keyring files are written
 * @param podLogDirectory where each pod's log is written
 * @param podStartMillis how long a rollout's new pods take to become ready (the simulator's delay)
 * @param prometheusTargets the file_sd file Prometheus reads the pods from, or null
 * @param readyFile where the cluster says it serves
 * @param pidRegistry the devstack's record of processes, for the pods
 * @param parentPid the devstack's pid
 * @param moreWorkloads further workloads beside the first (the devstack's {@code --targets}): each
 *     a Deployment with its own Secret, pods and database; null or empty for one
 */
public record ClusterSpec(
    String name,
    String namespace,
    String deployment,
    String secretName,
    int replicas,
    String initialManifest,
    String sealingDirectory,
    String workloadJar,
    String jdbcUrl,
    String jdbcUser,
    String podDirectory,
    String podLogDirectory,
    long podStartMillis,
    String prometheusTargets,
    String readyFile,
    String pidRegistry,
    long parentPid,
    List<Workload> moreWorkloads) {

  /**
   * A further workload of the cluster, run as the first one is.
   *
   * @param deployment its Deployment
   * @param secretName the Secret that holds its keyring
   * @param initialManifest its SealedSecret (YAML)
   * @param jdbcUrl its database
   */
  public record Workload(
      String deployment, String secretName, String initialManifest, String jdbcUrl) {}

  /** Every workload as a spec of its own (the first is this one). */
  public List<ClusterSpec> workloads() {
    List<ClusterSpec> all = new ArrayList<>();
    all.add(this);
    if (moreWorkloads != null) {
      for (Workload w : moreWorkloads) {
        all.add(
            new ClusterSpec(
                name,
                namespace,
                w.deployment(),
                w.secretName(),
                replicas,
                w.initialManifest(),
                sealingDirectory,
                workloadJar,
                w.jdbcUrl(),
                jdbcUser,
                podDirectory,
                podLogDirectory,
                podStartMillis,
                prometheusTargets,
                readyFile,
                pidRegistry,
                parentPid,
                List.of()));
      }
    }
    return all;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public Duration podStart() {
    return Duration.ofMillis(podStartMillis);
  }

  public void write(Path file) {
    try {
      Files.createDirectories(file.getParent());
      JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  public static ClusterSpec read(Path file) {
    try {
      return JSON.readValue(file.toFile(), ClusterSpec.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
