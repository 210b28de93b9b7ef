package dev.rotor.verifier.cluster;

import dev.rotor.verifier.config.VerifierConfig;
import dev.rotor.verifier.metrics.PodDirectory;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metrics endpoints of a Deployment's running pods, from the cluster's API: the pod IP, with
 * port, path and scheme from the pod's {@code prometheus.io/port}, {@code prometheus.io/path} and
 * {@code prometheus.io/scheme} annotations where it has them, else from {@code
 * rotor.verifier.scrape.*}.
 */
public final class KubernetesPodDirectory implements PodDirectory {
  static final String PORT_ANNOTATION = "prometheus.io/port";
  static final String PATH_ANNOTATION = "prometheus.io/path";
  static final String SCHEME_ANNOTATION = "prometheus.io/scheme";

  private final KubernetesClient client;
  private final VerifierConfig.Scrape defaults;

  public KubernetesPodDirectory(KubernetesClient client, VerifierConfig.Scrape defaults) {
    this.client = client;
    this.defaults = defaults;
  }

  @Override
  public List<Endpoint> endpoints(String namespace, String deployment) {
    try {
      return ApiCalls.read(() -> find(namespace, deployment));
    } catch (KubernetesClientException e) {
      throw new IllegalStateException(ClusterProbe.describe(e), e);
    }
  }

  private List<Endpoint> find(String namespace, String deployment) {
    Deployment found =
        client.apps().deployments().inNamespace(namespace).withName(deployment).get();
    if (found == null || found.getSpec() == null || found.getSpec().getSelector() == null) {
      return List.of();
    }
    LabelSelector selector = found.getSpec().getSelector();
    var pods = client.pods().inNamespace(namespace);
    List<Pod> items =
        selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty()
            ? pods.withLabels(selector.getMatchLabels()).list().getItems()
            : pods.withLabelSelector(selector).list().getItems();
    List<Endpoint> endpoints = new ArrayList<>();
    for (Pod pod : items) {
      if (pod.getMetadata().getDeletionTimestamp() != null
          || pod.getStatus() == null
          || !"Running".equals(pod.getStatus().getPhase())
          || pod.getStatus().getPodIP() == null) {
        continue;
      }
      Map<String, String> annotations =
          pod.getMetadata().getAnnotations() == null
              ? Map.of()
              : pod.getMetadata().getAnnotations();
      String ip = pod.getStatus().getPodIP();
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      String port = annotations.getOrDefault(PORT_ANNOTATION, Integer.toString(defaults.port()));
      String path = annotations.getOrDefault(PATH_ANNOTATION, defaults.path());
      String scheme = annotations.getOrDefault(SCHEME_ANNOTATION, defaults.scheme());
      String uid =
          pod.getMetadata().getUid() == null
              ? pod.getMetadata().getName()
              : pod.getMetadata().getUid();
      endpoints.add(
          new Endpoint(
              pod.getMetadata().getName(),
              uid,
              URI.create(
                  scheme
                      + "://"
                      + host
                      + ":"
                      + port
                      + (path.startsWith("/") ? path : "/" + path))));
    }
    return endpoints;
  }
}
