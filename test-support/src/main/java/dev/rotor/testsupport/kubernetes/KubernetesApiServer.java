package dev.rotor.testsupport.kubernetes;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * A Kubernetes API server for tests and the devstack: fabric8's mock server in CRUD mode on
 * loopback, with {@link KubernetesApiDispatcher} (server-side apply, merge patches, faults), and on
 * demand the controllers a cluster would run: {@link #rollouts()} for Deployments and {@link
 * #sealedSecrets(SealingKeyPair)} for SealedSecrets.
 *
 * <pre>{@code
 * try (KubernetesApiServer api = KubernetesApiServer.start()) {
 *   api.rollouts().createDeployment("shop", "checkout", 2);
 *   KubernetesClient client = api.client();
 *   ...
 * }
 * }</pre>
 */
public final class KubernetesApiServer implements AutoCloseable {

  private final KubernetesMockServer server;
  private final KubernetesApiDispatcher dispatcher;
  private final NamespacedKubernetesClient client;
  private final List<KubernetesClient> otherClients = new ArrayList<>();
  private RolloutSimulator rollouts;
  private SealedSecretsController sealedSecrets;

  private KubernetesApiServer(KubernetesMockServer server, KubernetesApiDispatcher dispatcher) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.client = server.createClient();
  }

  /** Starts a server on a free loopback port (plain HTTP). */
  public static KubernetesApiServer start() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesApiDispatcher dispatcher = new KubernetesApiDispatcher(responses);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            dispatcher,
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return new KubernetesApiServer(server, dispatcher);
  }

  /** The API server's URL ({@code http://localhost:<port>/}). */
  public String url() {
    return client.getConfiguration().getMasterUrl();
  }

  /** A client of this server (closed with it). */
  public NamespacedKubernetesClient client() {
    return client;
  }

  /**
   * A client whose writes the server attributes to field manager {@code manager}, as it attributes
   * {@code kubectl}'s writes by its user agent ({@code kubectl-client-side-apply}, {@code
   * kubectl-edit}). Closed with the server.
   */
  public synchronized KubernetesClient clientAs(String manager) {
    KubernetesClient other =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withUserAgent(manager + "/v1.33.0")
                    .build())
            .build();
    otherClients.add(other);
    return other;
  }

  /** The dispatcher: faults, dropped watches, the request log, field managers. */
  public KubernetesApiDispatcher dispatcher() {
    return dispatcher;
  }

  /** fabric8's mock server, for expectations. */
  public KubernetesMockServer mockServer() {
    return server;
  }

  /** The Deployment controller, started on first use. */
  public synchronized RolloutSimulator rollouts() {
    if (rollouts == null) {
      rollouts = new RolloutSimulator(this);
    }
    return rollouts;
  }

  /**
   * The sealed-secrets controller unsealing with {@code keys}, started on first use (it installs
   * the SealedSecret custom resource definition).
   *
   * @throws IllegalStateException if it runs already with other keys
   */
  public synchronized SealedSecretsController sealedSecrets(SealingKeyPair keys) {
    if (sealedSecrets == null) {
      sealedSecrets = new SealedSecretsController(client, keys);
    } else if (!sealedSecrets.certificatePem().equals(keys.certificatePem())) {
      throw new IllegalStateException("the sealed-secrets controller runs with other keys");
    }
    return sealedSecrets;
  }

  /** The sealed-secrets controller, if it was started. */
  public synchronized SealedSecretsController sealedSecrets() {
    if (sealedSecrets == null) {
      throw new IllegalStateException("the sealed-secrets controller was not started");
    }
    return sealedSecrets;
  }

  /** Serves {@code text} as the log of pod {@code namespace/pod} (plain and follow requests). */
  public void expectPodLog(String namespace, String pod, String text) {
    String path = "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/log?pretty=false";
    server.expect().get().withPath(path).andReturn(200, text).always();
    server.expect().get().withPath(path + "&follow=true").andReturn(200, text).always();
  }

  /**
   * Serves {@code text} as the log of the previous, terminated instance of container {@code
   * container} of pod {@code namespace/pod} ({@code previous=true}, with or without {@code
   * container=}); null: answers as an API server that has none (HTTP 400, BadRequest).
   */
  public void expectPreviousPodLog(String namespace, String pod, String container, String text) {
    String base = "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/log?pretty=false";
    for (String path :
        List.of(base + "&previous=true", base + "&container=" + container + "&previous=true")) {
      if (text != null) {
        server.expect().get().withPath(path).andReturn(200, text).always();
      } else {
        server
            .expect()
            .get()
            .withPath(path)
            .andReturn(
                400,
                new io.fabric8.kubernetes.api.model.StatusBuilder()
                    .withStatus("Failure")
                    .withReason("BadRequest")
                    .withCode(400)
                    .withMessage(
                        "previous terminated container \""
                            + container
                            + "\" in pod \""
                            + pod
                            + "\" not found")
                    .build())
            .always();
      }
    }
  }

  @Override
  public synchronized void close() {
    if (rollouts != null) {
      rollouts.close();
    }
    if (sealedSecrets != null) {
      sealedSecrets.close();
    }
    otherClients.forEach(KubernetesClient::close);
    client.close();
    server.destroy();
  }
}
