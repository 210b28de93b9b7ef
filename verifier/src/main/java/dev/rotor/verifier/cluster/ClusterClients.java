package dev.rotor.verifier.cluster;

import dev.rotor.verifier.config.VerifierConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Kubernetes client per configured cluster ({@code rotor.verifier.clusters.<name>}), built on
 * first use: from an API server URL and a token, from a kubeconfig context, or the client Quarkus
 * configures for the cluster the verifier runs in. A cluster that is not configured has no client:
 * the verifier never reads one cluster with another cluster's client.
 */
@ApplicationScoped
public class ClusterClients {
  private static final int REQUEST_TIMEOUT_MILLIS = 10_000;

  /** A dropped connection or a 5xx is retried this often (the API server restarts, LBs drop). */
  private static final int RETRIES = 3;

  private static final int RETRY_INTERVAL_MILLIS = 250;

  @Inject VerifierConfig config;
  @Inject Instance<KubernetesClient> inClusterClient;

  private final Map<String, KubernetesClient> clients = new ConcurrentHashMap<>();

  /** The client of {@code cluster}, or empty when it is not configured. */
  public Optional<KubernetesClient> client(String cluster) {
    VerifierConfig.Cluster settings = config.clusters().get(cluster);
    if (settings == null) {
      return Optional.empty();
    }
    if (settings.inCluster()) {
      return Optional.of(inClusterClient.get());
    }
    return Optional.of(clients.computeIfAbsent(cluster, name -> build(name, settings)));
  }

  private static KubernetesClient build(String name, VerifierConfig.Cluster settings) {
    Config clientConfig;
    if (settings.masterUrl().isPresent()) {
      ConfigBuilder builder =
          new ConfigBuilder(Config.empty())
              .withMasterUrl(settings.masterUrl().get().toString())
              .withTrustCerts(settings.trustCerts())
              // HTTP/2 over TLS only: a cleartext upgrade (h2c) is refused by some API servers
              // and proxies (kubectl proxy), which then drop the connection.
              .withHttp2Disable(!"https".equalsIgnoreCase(settings.masterUrl().get().getScheme()))
              .withConnectionTimeout(REQUEST_TIMEOUT_MILLIS)
              .withRequestTimeout(REQUEST_TIMEOUT_MILLIS)
              .withRequestRetryBackoffLimit(RETRIES)
              .withRequestRetryBackoffInterval(RETRY_INTERVAL_MILLIS);
      settings.caCertFile().ifPresent(file -> builder.withCaCertFile(file.toString()));
      settings.token().ifPresent(builder::withOauthToken);
      settings.tokenFile().ifPresent(file -> builder.withOauthTokenProvider(tokenFrom(file)));
      clientConfig = builder.build();
    } else {
      String context = settings.kubeconfigContext().orElseThrow();
      clientConfig =
          settings
              .kubeconfigFile()
              .map(file -> Config.fromKubeconfig(context, read(file), file.toString()))
              .orElseGet(() -> Config.autoConfigure(context));
    }
    return new KubernetesClientBuilder().withConfig(clientConfig).build();
  }

  private static OAuthTokenProvider tokenFrom(Path file) {
    return () -> read(file).strip();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  @PreDestroy
  void close() {
    clients.values().forEach(KubernetesClient::close);
    clients.clear();
  }
}
