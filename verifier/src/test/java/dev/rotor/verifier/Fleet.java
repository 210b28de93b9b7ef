package dev.rotor.verifier;

import dev.rotor.common.crypto.GeneratedKey;
import dev.rotor.examples.load.LoadGenerator;
import dev.rotor.testsupport.PrometheusServer;
import dev.rotor.testsupport.SecretsServiceProcess;
import java.util.List;
import java.util.Map;

/**
 * The workloads the verifier watches in {@link SoakVerdictsTest}: real secrets-service processes,
 * one group per Deployment, each group under load, all scraped by a real Prometheus every second
 * with the labels Kubernetes service discovery would add ({@code namespace}, {@code deployment}).
 *
 * @param oldKey the key that was primary before the rotation
 * @param newKey the rotation's new key
 * @param otherKey a key that belongs to no rotation
 * @param pods the processes of each Deployment
 * @param loads the load on each Deployment
 * @param prometheus the Prometheus that scrapes them
 */
public record Fleet(
    GeneratedKey oldKey,
    GeneratedKey newKey,
    GeneratedKey otherKey,
    Map<String, List<SecretsServiceProcess>> pods,
    Map<String, LoadGenerator> loads,
    PrometheusServer prometheus) {

  public static final String NAMESPACE = "aether-services";

  /** Healthy, under load. */
  public static final String HEALTHY = "healthy";

  /** Healthy until the test turns errors on. */
  public static final String ERRORS = "errors";

  /** Healthy until the test adds latency. */
  public static final String SLOW = "slow";

  /** Two pods: one with the new keyring, one still with only the old key. */
  public static final String DECRYPTING = "decrypting";

  /** Took traffic once, then none. */
  public static final String QUIET = "quiet";

  /** 30 % errors since before the rotation. */
  public static final String ALREADY_FAILING = "already-failing";

  /** Healthy, but for one short burst of errors the test causes. */
  public static final String SPIKE = "spike";

  /** The processes of {@code deployment}. */
  public List<SecretsServiceProcess> of(String deployment) {
    return pods.get(deployment);
  }

  /** The only process of {@code deployment}. */
  public SecretsServiceProcess single(String deployment) {
    List<SecretsServiceProcess> processes = of(deployment);
    if (processes.size() != 1) {
      throw new IllegalStateException(deployment + " has " + processes.size() + " processes");
    }
    return processes.get(0);
  }
}
