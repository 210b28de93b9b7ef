package dev.rotor.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * docs/asyncapi.yaml is what {@link AsyncApiDocument} derives from the contract, is a valid
 * AsyncAPI 3.0.0 document, and describes the events exactly as the services write them.
 */
class AsyncApiDocumentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static String generated;
  private static JsonNode doc;

  @BeforeAll
  static void generate() throws IOException {
    generated = new AsyncApiDocument().yaml();
    if (Boolean.getBoolean("rotor.asyncapi.write")) {
      Files.writeString(AsyncApiDocument.DOC, generated);
    }
    doc = new YAMLMapper().readTree(generated);
  }

  @Test
  void theCommittedDocumentIsWhatTheContractGenerates() throws IOException {
    String committed =
        Files.exists(AsyncApiDocument.DOC) ? Files.readString(AsyncApiDocument.DOC) : "";
    assertThat(committed)
        .as(
            "%s differs from what the event contract in common generates; regenerate it with%n  %s",
            AsyncApiDocument.DOC, AsyncApiDocument.REGENERATE)
        .isEqualTo(generated);
  }

  @Test
  void theDocumentIsValidAgainstTheAsyncApi300Schema() throws IOException {
    Schema asyncApi;
    try (InputStream in = getClass().getResourceAsStream("/asyncapi/asyncapi-3.0.0-schema.json")) {
      asyncApi =
          SchemaRegistry.withDefaultDialect(Dialects.getDraft7()).getSchema(JSON.readTree(in));
    }
    assertThat(asyncApi.validate(doc)).isEmpty();

    // The validator is awake: an operation with an AsyncAPI 2 action and no channel is refused.
    JsonNode broken = doc.deepCopy();
    ((ObjectNode) broken.at("/operations")).putObject("x").put("action", "publish");
    assertThat(asyncApi.validate(broken)).isNotEmpty();
  }

  @Test
  void everyReferenceResolvesAndEveryOperationUsesItsChannelsMessages() {
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as("$ref %s resolves", ref).isFalse();
    }
    doc.get("operations")
        .properties()
        .forEach(
            op -> {
              String channel = op.getValue().at("/channel/$ref").asText();
              assertThat(op.getValue().get("messages")).as(op.getKey()).isNotEmpty();
              for (JsonNode m : op.getValue().get("messages")) {
                assertThat(m.get("$ref").asText())
                    .as("operation %s", op.getKey())
                    .startsWith(channel + "/messages/");
              }
            });
  }

  @Test
  void everyTopicIsAChannelWithEveryTypeThatBelongsOnIt() {
    for (String topic : Topics.EVENT_TOPICS) {
      JsonNode channel = doc.at("/channels/" + topic);
      assertThat(channel.get("address").asText()).isEqualTo(topic);
      Set<String> messages = new HashSet<>();
      channel.get("messages").fieldNames().forEachRemaining(messages::add);
      assertThat(messages)
          .containsExactlyInAnyOrderElementsOf(
              EventType.onTopic(topic).stream().map(EventType::eventName).toList());
    }
    assertThat(doc.at("/channels/" + Topics.DLQ + "/address").asText()).isEqualTo(Topics.DLQ);
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void onlyItsProducersSendAType(EventType type) {
    Set<String> senders = new HashSet<>();
    doc.get("operations")
        .properties()
        .forEach(
            op -> {
              if (op.getValue().get("action").asText().equals("send")) {
                for (JsonNode m : op.getValue().get("messages")) {
                  if (m.get("$ref").asText().endsWith("/messages/" + type.eventName())) {
                    senders.add(op.getKey().substring(0, op.getKey().indexOf(".send.")));
                  }
                }
              }
            });
    assertThat(senders).as("services that send %s", type.eventName()).isNotEmpty();
    if (!type.producers().isEmpty()) {
      assertThat(type.producers()).containsAll(senders);
    }
  }

  @Test
  void theManifestServiceReceivesKeysAndSendsManifests() {
    assertThat(doc.at("/operations/manifest-service.receive.rotor.keys/action").asText())
        .isEqualTo("receive");
    assertThat(doc.at("/operations/manifest-service.send.rotor.manifests/action").asText())
        .isEqualTo("send");
    assertThat(doc.at("/operations/key-generator.send.rotor.manifests").isMissingNode()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void aSampleEventAsTheServicesWriteItMatchesItsMessage(EventType type) throws IOException {
    RotorEvent data = SampleEvents.of(type);
    String source =
        type.producers().isEmpty() ? "/rotor/cli" : Sources.of(type.producers().iterator().next());
    EventEnvelope event =
        EventEnvelope.causedBy("cause-1", data, source, java.time.Clock.systemUTC());
    JsonNode message = doc.at("/components/messages/" + type.eventName());

    JsonNode payload = JSON.readTree(EventCodec.encode(data));
    assertThat(schema("/components/messages/" + type.eventName() + "/payload").validate(payload))
        .isEmpty();

    ObjectNode headers = JSON.valueToTree(CloudEventBinding.headers(event));
    headers.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    Schema headerSchema = schema("/components/messages/" + type.eventName() + "/headers");
    assertThat(headerSchema.validate(headers)).isEmpty();

    ObjectNode otherType = headers.deepCopy();
    otherType.put(CloudEventBinding.H_TYPE, "dev.rotor.something-else.v1");
    assertThat(headerSchema.validate(otherType)).isNotEmpty();
    assertThat(message.at("/bindings/kafka/key/type").asText()).isEqualTo("string");
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void eventsMdMarksAFieldRequiredExactlyWhenTheCodecRequiresIt(EventType type) throws IOException {
    String md = Files.readString(java.nio.file.Path.of("../docs/events.md"));
    int start = md.indexOf("\n### " + type.eventName() + "\n");
    int end = md.indexOf("\n#", start + 5);
    String section = md.substring(start, end < 0 ? md.length() : end);
    Set<String> required = new HashSet<>();
    doc.at("/components/schemas/" + type.dataClass().getSimpleName() + "/required")
        .forEach(n -> required.add(n.asText()));
    java.util.regex.Matcher row =
        java.util.regex.Pattern.compile(
                "^\\| `(\\w+)` \\|.*\\((required|optional|list, may be empty)\\) \\|$",
                java.util.regex.Pattern.MULTILINE)
            .matcher(section);
    int rows = 0;
    while (row.find()) {
      rows++;
      assertThat(row.group(2).equals("required"))
          .as("docs/events.md says %s.%s is %s", type.eventName(), row.group(1), row.group(2))
          .isEqualTo(required.contains(row.group(1)));
    }
    assertThat(rows).isEqualTo(type.dataClass().getRecordComponents().length);
  }

  @Test
  void aPayloadWithoutARequiredFieldOrWithAnUnknownOneIsRefusedByTheSchemaAsByTheCodec() {
    ObjectNode payload =
        JSON.valueToTree(
            JSON.convertValue(
                EventCodec.mapper().valueToTree(SampleEvents.of(EventType.KEY_GENERATED)),
                Map.class));
    Schema schema = schema("/components/messages/key.generated/payload");
    assertThat(schema.validate(payload)).isEmpty();

    ObjectNode withoutStageCluster = payload.deepCopy();
    ((ObjectNode) withoutStageCluster.at("/plan/stages/0")).remove("cluster");
    assertThat(schema.validate(withoutStageCluster)).isNotEmpty();

    ObjectNode unknown = payload.deepCopy();
    unknown.put("plaintextKey", "x");
    assertThat(schema.validate(unknown)).isNotEmpty();

    ObjectNode withoutRequester = payload.deepCopy();
    withoutRequester.remove("requestedBy");
    assertThat(schema.validate(withoutRequester)).isNotEmpty();
    ObjectNode withoutApprovers =
        JSON.valueToTree(
            EventCodec.mapper().valueToTree(SampleEvents.of(EventType.MANIFEST_APPROVED)));
    withoutApprovers.remove("approvers");
    assertThat(schema("/components/messages/manifest.approved/payload").validate(withoutApprovers))
        .as("approvers is optional: the codec reads its absence as no approvers")
        .isEmpty();
  }

  /** A schema for the node at {@code pointer}, resolving $refs against the whole document. */
  private static Schema schema(String pointer) {
    ObjectNode root = JSON.createObjectNode();
    root.set("components", doc.get("components"));
    root.put("$ref", "#" + pointer);
    return SchemaRegistry.withDefaultDialect(Dialects.getDraft7()).getSchema(root);
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref")) {
                  refs.add(e.getValue().asText());
                } else {
                  collectRefs(e.getValue(), refs);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, refs));
    }
  }
}
