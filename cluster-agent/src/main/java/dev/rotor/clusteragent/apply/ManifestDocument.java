package dev.rotor.clusteragent.apply;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rotor.clusteragent.work.RolloutFailure;
import dev.rotor.common.crypto.Fingerprints;
import dev.rotor.common.event.Reasons;
import dev.rotor.common.keyring.KeyringLayout;
import dev.rotor.common.plan.ManifestFormat;
import dev.rotor.common.plan.Plan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The target's Secret or SealedSecret, chosen from a manifest file (which may hold other documents:
 * they are left alone) and made ready for server-side apply: system fields removed, the namespace
 * set, a plain Secret's {@code stringData} folded into {@code data} as the API server would. Never
 * printed: a plain Secret's document holds the key.
 *
 * @param format what the document is
 * @param body the object to apply (JSON)
 * @param keyringDigests for a plain Secret: each keyring entry's digest (SHA-256 of its base64
 *     value, the fingerprint for key entries), to check the Secret after the apply; empty for a
 *     SealedSecret, whose values only the controller can read
 */
public record ManifestDocument(
    ManifestFormat format, ObjectNode body, Map<String, String> keyringDigests) {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String SEALED_API_VERSION = "bitnami.com/v1alpha1";

  /**
   * Picks the document for {@code plan}'s Secret from {@code manifest}.
   *
   * @param where the file and commit, for messages
   * @throws RolloutFailure NOT_FOUND when the file holds no such document or is not YAML;
   *     NOT_PERMITTED when it holds it in another format than the plan's, or twice
   */
  public static ManifestDocument select(byte[] manifest, Plan plan, String where) {
    List<ObjectNode> documents = parse(manifest, where);
    List<ObjectNode> matches = new ArrayList<>();
    for (ObjectNode document : documents) {
      if (isFor(document, plan)) {
        matches.add(document);
      }
    }
    if (matches.isEmpty()) {
      throw new RolloutFailure(
          Reasons.Rollout.NOT_FOUND,
          where
              + " holds no Secret or SealedSecret "
              + plan.targetId()
              + " (of its "
              + documents.size()
              + " documents)");
    }
    if (matches.size() > 1) {
      throw new RolloutFailure(
          Reasons.Rollout.NOT_PERMITTED,
          where
              + " holds "
              + matches.size()
              + " documents for "
              + plan.targetId()
              + "; expected one");
    }
    ObjectNode document = matches.get(0).deepCopy();
    ManifestFormat format =
        "SealedSecret".equals(document.path("kind").asText())
            ? ManifestFormat.SEALED_SECRET
            : ManifestFormat.SECRET;
    if (format != plan.manifest().format()) {
      throw new RolloutFailure(
          Reasons.Rollout.NOT_PERMITTED,
          where
              + " holds "
              + plan.targetId()
              + " as a "
              + (format == ManifestFormat.SECRET ? "plain Secret" : "SealedSecret")
              + ", but the plan's manifest format is "
              + plan.manifest().format());
    }
    ObjectNode metadata = (ObjectNode) document.get("metadata");
    for (String field :
        List.of(
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "ownerReferences")) {
      metadata.remove(field);
    }
    metadata.put("namespace", plan.namespace());
    document.remove("status");
    Map<String, String> digests = new LinkedHashMap<>();
    if (format == ManifestFormat.SECRET) {
      foldStringData(document);
      for (Map.Entry<String, JsonNode> entry : document.path("data").properties()) {
        if (KeyringLayout.isKeyringDataKey(entry.getKey())) {
          digests.put(entry.getKey(), Fingerprints.ofBase64(entry.getValue().asText()));
        }
      }
    }
    return new ManifestDocument(format, document, Map.copyOf(digests));
  }

  /** The object's name (the SealedSecret's or the Secret's). */
  public String name() {
    return body.path("metadata").path("name").asText();
  }

  @Override
  public String toString() {
    return "ManifestDocument[" + format + " " + name() + "]";
  }

  private static boolean isFor(ObjectNode document, Plan plan) {
    String kind = document.path("kind").asText();
    String apiVersion = document.path("apiVersion").asText();
    JsonNode metadata = document.path("metadata");
    String namespace = metadata.path("namespace").asText("");
    if (!namespace.isEmpty() && !namespace.equals(plan.namespace())) {
      return false;
    }
    if (kind.equals("Secret") && apiVersion.equals("v1")) {
      return plan.secretName().equals(metadata.path("name").asText());
    }
    if (kind.equals("SealedSecret") && apiVersion.equals(SEALED_API_VERSION)) {
      JsonNode template = document.path("spec").path("template").path("metadata");
      String secretName = template.path("name").asText(metadata.path("name").asText());
      String templateNamespace = template.path("namespace").asText("");
      return plan.secretName().equals(secretName)
          && plan.secretName().equals(metadata.path("name").asText())
          && (templateNamespace.isEmpty() || templateNamespace.equals(plan.namespace()));
    }
    return false;
  }

  private static List<ObjectNode> parse(byte[] manifest, String where) {
    List<ObjectNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> iterator =
        YAML.readerFor(JsonNode.class).readValues(new String(manifest, StandardCharsets.UTF_8))) {
      while (iterator.hasNext()) {
        JsonNode node = iterator.next();
        if (node instanceof ObjectNode object && object.path("metadata").isObject()) {
          documents.add(object);
        }
      }
    } catch (JsonProcessingException e) {
      // The parser's message may quote the document, which may hold a key: say only where.
      JsonLocation location = e.getLocation();
      throw new RolloutFailure(
          Reasons.Rollout.NOT_FOUND,
          where
              + " is not valid YAML"
              + (location == null ? "" : " (line " + location.getLineNr() + ")"));
    } catch (IOException | RuntimeException e) {
      throw new RolloutFailure(Reasons.Rollout.NOT_FOUND, where + " is not valid YAML");
    }
    return documents;
  }

  private static void foldStringData(ObjectNode document) {
    JsonNode stringData = document.get("stringData");
    if (stringData == null || !stringData.isObject()) {
      document.remove("stringData");
      return;
    }
    ObjectNode data =
        document.path("data").isObject()
            ? (ObjectNode) document.get("data")
            : document.putObject("data");
    for (Map.Entry<String, JsonNode> entry : stringData.properties()) {
      data.put(
          entry.getKey(),
          Base64.getEncoder()
              .encodeToString(entry.getValue().asText().getBytes(StandardCharsets.UTF_8)));
    }
    document.remove("stringData");
  }
}
