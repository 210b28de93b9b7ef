package dev.rotor.devstack.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.keyring.KeyringLayout;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the devstack checks in one of its clusters: the keyring in the workload's Secret (key ids
 * and fingerprints only; the key bytes are hashed and zeroed), the load generator's counts, and the
 * workload's fault switch.
 */
public final class ClusterView implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final KubernetesClient client;
  private final URI control;

  public ClusterView(String name, String apiUrl, int controlPort) {
    this.name = name;
    Config config = new ConfigBuilder().withMasterUrl(apiUrl).withTrustCerts(true).build();
    this.client = new KubernetesClientBuilder().withConfig(config).build();
    this.control = URI.create("http://127.0.0.1:" + controlPort);
  }

  public String name() {
    return name;
  }

  /**
   * The keyring the Secret holds.
   *
   * @param primaryKeyId the primary's key id
   * @param primaryFingerprint the fingerprint of the primary key (SHA-256 of its base64 text)
   * @param keyIds every key id of the ring
   */
  public record Keyring(String primaryKeyId, String primaryFingerprint, TreeSet<String> keyIds) {}

  public Keyring keyring(String namespace, String secret) {
    Secret s = client.secrets().inNamespace(namespace).withName(secret).get();
    if (s == null || s.getData() == null) {
      return null;
    }
    Map<String, String> data = s.getData();
    String primary =
        new String(
                Base64.getDecoder().decode(data.get(KeyringLayout.PRIMARY_DATA_KEY)),
                StandardCharsets.US_ASCII)
            .strip();
    TreeSet<String> ids = new TreeSet<>();
    for (String key : data.keySet()) {
      KeyringLayout.keyIdOfDataKey(key).ifPresent(ids::add);
    }
    String fingerprint = null;
    String value = data.get(KeyringLayout.dataKeyOf(primary));
    if (value != null) {
      byte[] raw = Base64.getDecoder().decode(value);
      fingerprint = Fingerprints.ofRawKey(raw);
      Arrays.fill(raw, (byte) 0);
    }
    return new Keyring(primary, fingerprint, ids);
  }

  /** The load generator's counts since the cluster started. */
  public JsonNode load() throws IOException, InterruptedException {
    return get("/load");
  }

  /** Every rollout the cluster's Deployment controller played, with its restart mark. */
  public JsonNode rollouts() throws IOException, InterruptedException {
    return get("/rollouts");
  }

  /** Turns the fault switch on for pods whose primary key is {@code primaryKeyId}. */
  public void fault(String primaryKeyId, double errorRatio)
      throws IOException, InterruptedException {
    send(
        HttpRequest.newBuilder(
                control.resolve(
                    "/fault?primaryKeyId=" + primaryKeyId + "&errorRatio=" + errorRatio))
            .PUT(HttpRequest.BodyPublishers.noBody()));
  }

  public void clearFault() throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(control.resolve("/fault")).DELETE());
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(control.resolve(path)).GET());
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("cluster " + name + " answered " + response.statusCode());
    }
    return JSON.readTree(response.body());
  }

  @Override
  public void close() {
    client.close();
  }
}
