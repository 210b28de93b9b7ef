package dev.rotor.testsupport.kubernetes;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.quarkus.test.kubernetes.client.AbstractKubernetesTestResource;
import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} application's Kubernetes client at a {@link KubernetesApiServer}
 * (fabric8's mock server in CRUD mode with server-side apply, merge patches and faults) and starts
 * the {@link RolloutSimulator}:
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = KubernetesApiTestResource.class,
 *     initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
 * class MyTest {
 *   @InjectKubernetesApi KubernetesApiServer api;
 * }
 * }</pre>
 *
 * <p>Like {@code @WithKubernetesTestServer}, it sets the fabric8 system properties ({@code
 * kubernetes.master}, no kubeconfig, no service account), so any fabric8 client of the JVM talks to
 * this server. The server lives as long as the application under test.
 */
public class KubernetesApiTestResource
    extends AbstractKubernetesTestResource<KubernetesApiServer, NamespacedKubernetesClient> {

  /**
   * Init arg: {@code true} starts the sealed-secrets controller with {@link
   * SealingKeyPair#shared()}.
   */
  public static final String SEALED_SECRETS = "sealed-secrets";

  /**
   * Init arg: how long new pods take to get ready, as an ISO-8601 duration (default {@code
   * PT0.2S}).
   */
  public static final String READY_AFTER = "ready-after";

  private boolean sealedSecrets;
  private Duration readyAfter = Duration.ofMillis(200);

  @Override
  public void init(Map<String, String> initArgs) {
    sealedSecrets = Boolean.parseBoolean(initArgs.getOrDefault(SEALED_SECRETS, "false"));
    readyAfter = Duration.parse(initArgs.getOrDefault(READY_AFTER, "PT0.2S"));
  }

  @Override
  protected KubernetesApiServer createServer() {
    return KubernetesApiServer.start();
  }

  @Override
  protected void configureServer() {
    server.rollouts().readyAfter(readyAfter);
    if (sealedSecrets) {
      server.sealedSecrets(SealingKeyPair.shared());
    }
  }

  @Override
  protected NamespacedKubernetesClient getClient() {
    return server.client();
  }

  @Override
  protected Class<?> getInjectedClass() {
    return KubernetesApiServer.class;
  }

  @Override
  protected Class<? extends Annotation> getInjectionAnnotation() {
    return InjectKubernetesApi.class;
  }

  @Override
  public void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
