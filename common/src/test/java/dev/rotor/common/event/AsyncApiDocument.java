package dev.rotor.common.event;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.rotor.common.plan.MaintenanceWindow;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds {@code docs/asyncapi.yaml} (AsyncAPI 3.0.0) from the event contract, so the document
 * cannot drift from the code:
 *
 * <ul>
 *   <li>channels: {@link Topics}, with the messages {@link EventType#onTopic} lists, plus the
 *       dead-letter topic;
 *   <li>messages: one per {@link EventType}, CloudEvents headers from {@link CloudEventBinding},
 *       the Kafka key (the target id), the payload schema;
 *   <li>payload schemas: the record components as Jackson sees them ({@link EventCodec#mapper()}),
 *       a field {@code required} exactly when the codec refuses a sample event without it;
 *   <li>operations: what each service sends (its outgoing channels in its {@code
 *       application.properties}, restricted to the types {@link EventType#producers()} allow) and
 *       receives (its incoming channels).
 * </ul>
 *
 * <p>Descriptions come from {@code docs/events.md}. Regenerate with {@link #REGENERATE}.
 */
final class AsyncApiDocument {
  static final Path DOC = Path.of("../docs/asyncapi.yaml");
  static final String REGENERATE =
      "./mvnw -pl common test -Dtest=AsyncApiDocumentTest -Drotor.asyncapi.write=true";

  private static final Path EVENTS_MD = Path.of("../docs/events.md");
  private static final String KAFKA_BINDING_VERSION = "0.5.0";
  private static final String HEADERS = "CloudEventHeaders";
  private static final String DEAD_LETTER = "dead-letter";

  /**
   * The services whose Kafka channels are configured in {@code <module>/application.properties}.
   */
  private static final List<String> SERVICES =
      List.of(
          "key-generator",
          "manifest-service",
          "cluster-agent",
          "verifier",
          "ledger-service",
          "notifier");

  /** What each topic is for (the generator fails on a topic without one). */
  private static final Map<String, String> TOPIC_DESCRIPTIONS =
      Map.of(
          Topics.REQUESTS, "Rotation requests, from people (rotorctl) and other services.",
          Topics.KEYS, "The key-generator's decisions: keys, rejections, cadence reminders.",
          Topics.MANIFESTS, "The manifest-service's Git changes: proposals, merges, rollbacks.",
          Topics.ROLLOUTS, "The cluster-agents' rollouts and rollbacks.",
          Topics.VERIFICATIONS, "The verifier's verdicts and the rotations' final outcomes.",
          Topics.APPROVALS, "What people decide: approvals, review rejections, rollback requests.",
          Topics.LEDGER, "The ledger's signed checkpoints.",
          Topics.DLQ,
              "What a consumer could not process, unchanged, with the reason in dead-letter-*"
                  + " headers.");

  private final ObjectMapper json = EventCodec.mapper();
  private final JsonNodeFactory nodes = JsonNodeFactory.instance;
  private final String eventsMd;

  /** Schemas of records by class, in the order first met. */
  private final Map<Class<?>, ObjectNode> recordSchemas = new LinkedHashMap<>();

  /** Per record class and JSON property: whether the codec requires it (from probing samples). */
  private final Map<Class<?>, Map<String, Boolean>> required = new LinkedHashMap<>();

  AsyncApiDocument() {
    try {
      eventsMd = Files.readString(EVENTS_MD);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The document as YAML text, with a header saying how it was made. */
  String yaml() {
    YAMLMapper yaml =
        new YAMLMapper(
            YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .disable(YAMLGenerator.Feature.SPLIT_LINES)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .build());
    try {
      return "# Generated from the event contract in common (dev.rotor.common.event): do not edit.\n"
          + "# Regenerate: "
          + REGENERATE
          + "\n"
          + yaml.writeValueAsString(document());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The AsyncAPI document. */
  ObjectNode document() {
    probeRequiredFields();
    ObjectNode doc = nodes.objectNode();
    doc.put("asyncapi", "3.0.0");
    ObjectNode info = doc.putObject("info");
    info.put("title", "Rotor events");
    info.put("version", EventType.VERSION_SUFFIX.substring(2));
    info.put(
        "description",
        "Every event Rotor's services exchange over Kafka: CloudEvents 1.0 in the Kafka protocol"
            + " binding's binary mode (attributes in ce_* headers, JSON data as the record value,"
            + " the target id as the record key). The prose catalogue is docs/events.md.");
    doc.put("defaultContentType", CloudEventBinding.CONTENT_TYPE);

    ObjectNode channels = doc.putObject("channels");
    ObjectNode messages = nodes.objectNode();
    List<String> topics = new ArrayList<>(Topics.EVENT_TOPICS);
    topics.add(Topics.DLQ);
    for (String topic : topics) {
      ObjectNode channel = channels.putObject(topic);
      channel.put("address", topic);
      channel.put("description", describe(topic));
      ObjectNode channelMessages = channel.putObject("messages");
      List<String> names =
          topic.equals(Topics.DLQ)
              ? List.of(DEAD_LETTER)
              : EventType.onTopic(topic).stream().map(EventType::eventName).toList();
      for (String name : names) {
        channelMessages.putObject(name).put("$ref", "#/components/messages/" + name);
      }
    }
    for (EventType type : EventType.values()) {
      messages.set(type.eventName(), message(type));
    }
    messages.set(DEAD_LETTER, deadLetterMessage());

    doc.set("operations", operations());

    ObjectNode components = doc.putObject("components");
    ObjectNode schemas = components.putObject("schemas");
    schemas.set(HEADERS, cloudEventHeaders());
    for (EventType type : EventType.values()) {
      schemaOf(json.constructType(type.dataClass()), type.dataClass().getSimpleName());
    }
    recordSchemas.forEach((cls, schema) -> schemas.set(cls.getSimpleName(), schema));
    components.set("messages", messages);
    return doc;
  }

  private static String describe(String topic) {
    String d = TOPIC_DESCRIPTIONS.get(topic);
    if (d == null) {
      throw new IllegalStateException(
          "topic " + topic + " has no description in AsyncApiDocument.TOPIC_DESCRIPTIONS");
    }
    return d;
  }

  // --- messages -------------------------------------------------------------------------------

  private ObjectNode message(EventType type) {
    ObjectNode m = nodes.objectNode();
    m.put("name", type.eventName());
    m.put("title", type.dataClass().getSimpleName());
    m.put("summary", type.cloudEventType() + ", severity " + type.severity().name());
    m.put("description", eventsMdParagraph(type.eventName()));
    m.put("contentType", CloudEventBinding.CONTENT_TYPE);
    ObjectNode headers = m.putObject("headers");
    ArrayNode allOf = headers.putArray("allOf");
    allOf.addObject().put("$ref", "#/components/schemas/" + HEADERS);
    ObjectNode own = allOf.addObject();
    own.put("type", "object");
    ObjectNode props = own.putObject("properties");
    props.putObject(CloudEventBinding.H_TYPE).put("const", type.cloudEventType());
    if (!type.producers().isEmpty()) {
      ObjectNode source = props.putObject(CloudEventBinding.H_SOURCE);
      source.put(
          "pattern",
          "^/rotor/("
              + String.join("|", new TreeSet<>(type.producers())).replace(".", "\\.")
              + ")(/.*)?$");
      source.put(
          "description",
          "only " + String.join(", ", new TreeSet<>(type.producers())) + " may produce it");
    }
    if (hasComponent(type.dataClass(), "rotationId")) {
      own.putArray("required").add(CloudEventBinding.H_ROTATION_ID);
    } else {
      props
          .putObject(CloudEventBinding.H_ROTATION_ID)
          .put("description", "absent: this event is not part of a rotation")
          .set("not", nodes.objectNode());
    }
    m.putObject("payload").put("$ref", "#/components/schemas/" + type.dataClass().getSimpleName());
    ObjectNode kafka = m.putObject("bindings").putObject("kafka");
    kafka
        .putObject("key")
        .put("type", "string")
        .put(
            "description",
            type == EventType.LEDGER_CHECKPOINT
                ? "the ledger's origin (the ce_subject)"
                : "the target id, <namespace>/<secret name> (the ce_subject): one target's"
                    + " events stay ordered");
    kafka.put("bindingVersion", KAFKA_BINDING_VERSION);
    return m;
  }

  private ObjectNode deadLetterMessage() {
    ObjectNode m = nodes.objectNode();
    m.put("name", DEAD_LETTER);
    m.put("title", "Dead letter");
    m.put(
        "description",
        "A record a consumer refused, with its original key, value and headers, plus the reason."
            + " Not an event of the contract: nothing acts on it automatically.");
    m.put("contentType", "application/octet-stream");
    ObjectNode headers = m.putObject("headers");
    headers.put("type", "object");
    headers.putArray("required").add("dead-letter-reason");
    ObjectNode props = headers.putObject("properties");
    props
        .putObject("dead-letter-reason")
        .put("type", "string")
        .put("description", "<REASON> <field>: <problem>; names the field, never the value");
    props
        .putObject("dead-letter-topic")
        .put("type", "string")
        .put("description", "the topic it came from");
    props
        .putObject("dead-letter-partition")
        .put("type", "string")
        .put("description", "its partition there");
    props
        .putObject("dead-letter-offset")
        .put("type", "string")
        .put("description", "its offset there");
    headers.put("additionalProperties", true);
    m.putObject("payload")
        .put("description", "the refused record's value, unchanged (it may not be JSON)");
    return m;
  }

  private ObjectNode cloudEventHeaders() {
    ObjectNode s = nodes.objectNode();
    s.put("type", "object");
    s.put(
        "description",
        "CloudEvents attributes in binary mode, each a UTF-8 header present at most once, without"
            + " control or invisible formatting characters, at most 512 characters. Other headers"
            + " (e.g. the W3C trace context traceparent and tracestate) are allowed and ignored by"
            + " the binding.");
    ArrayNode req = s.putArray("required");
    for (String h :
        List.of(
            CloudEventBinding.H_SPEC_VERSION,
            CloudEventBinding.H_ID,
            CloudEventBinding.H_TYPE,
            CloudEventBinding.H_SOURCE,
            CloudEventBinding.H_SUBJECT)) {
      req.add(h);
    }
    ObjectNode p = s.putObject("properties");
    p.putObject(CloudEventBinding.H_SPEC_VERSION)
        .put("type", "string")
        .put("const", CloudEventBinding.SPEC_VERSION);
    header(p, CloudEventBinding.H_ID, "the event id, the idempotency key");
    header(p, CloudEventBinding.H_TYPE, "dev.rotor.<name>.v1");
    header(p, CloudEventBinding.H_SOURCE, "the producer, /rotor/<service>[/<cluster>]")
        .put("format", "uri-reference");
    header(p, CloudEventBinding.H_SUBJECT, "the target id (for ledger.checkpoint: the origin)");
    header(p, CloudEventBinding.H_TIME, "RFC 3339; if absent, the record timestamp")
        .put("format", "date-time");
    header(p, CloudEventBinding.H_ROTATION_ID, "extension: the rotation id")
        .put("pattern", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
    header(p, CloudEventBinding.H_PARTITION_KEY, "extension: the target id, also the record key");
    for (String h :
        List.of(CloudEventBinding.H_DATA_CONTENT_TYPE, CloudEventBinding.H_CONTENT_TYPE)) {
      header(p, h, "application/json (parameters allowed)")
          .put(
              "pattern", "^[Aa][Pp][Pp][Ll][Ii][Cc][Aa][Tt][Ii][Oo][Nn]/[Jj][Ss][Oo][Nn] *(;.*)?$");
    }
    s.put("additionalProperties", true);
    return s;
  }

  private ObjectNode header(ObjectNode properties, String name, String description) {
    ObjectNode h = properties.putObject(name);
    h.put("type", "string");
    h.put("minLength", 1);
    h.put("maxLength", 512);
    h.put("description", description);
    return h;
  }

  // --- operations -----------------------------------------------------------------------------

  private ObjectNode operations() {
    ObjectNode ops = nodes.objectNode();
    for (String service : SERVICES) {
      Channels c = channelsOf(service);
      for (String topic : c.sends) {
        sendOperation(ops, service, topic);
      }
      for (String topic : c.receives) {
        receiveOperation(ops, service, topic);
      }
    }
    // rotorctl uses a plain KafkaProducer/KafkaConsumer (cli/.../kafka), not SmallRye channels:
    // it publishes requests and decisions, and `rotorctl watch` reads every event topic.
    sendOperation(ops, "rotorctl", Topics.REQUESTS);
    sendOperation(ops, "rotorctl", Topics.APPROVALS);
    for (String topic : Topics.EVENT_TOPICS) {
      receiveOperation(ops, "rotorctl", topic);
    }
    return ops;
  }

  private void sendOperation(ObjectNode ops, String service, String topic) {
    List<String> names =
        topic.equals(Topics.DLQ)
            ? List.of(DEAD_LETTER)
            : EventType.onTopic(topic).stream()
                .filter(t -> t.producers().isEmpty() || t.producers().contains(service))
                .map(EventType::eventName)
                .toList();
    if (names.isEmpty()) {
      throw new IllegalStateException(
          service + " writes topic " + topic + " but may produce none of the types on it");
    }
    operation(ops, service, "send", topic, names);
  }

  private void receiveOperation(ObjectNode ops, String service, String topic) {
    List<String> names = EventType.onTopic(topic).stream().map(EventType::eventName).toList();
    operation(ops, service, "receive", topic, names);
  }

  private void operation(
      ObjectNode ops, String service, String action, String topic, List<String> names) {
    ObjectNode op = ops.putObject(service + "." + action + "." + topic);
    op.put("action", action);
    op.putObject("channel").put("$ref", "#/channels/" + topic);
    op.put(
        "summary",
        action.equals("send")
            ? service + " writes " + topic
            : service + " reads " + topic + " (and skips the types it does not act on)");
    ArrayNode refs = op.putArray("messages");
    for (String name : names) {
      refs.addObject().put("$ref", "#/channels/" + topic + "/messages/" + name);
    }
  }

  private record Channels(Set<String> sends, Set<String> receives) {}

  /** The topics a service's SmallRye channels write and read, from its application.properties. */
  private static Channels channelsOf(String service) {
    Path file = Path.of("..", service, "src/main/resources/application.properties");
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      props.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    Pattern key =
        Pattern.compile(
            "mp\\.messaging\\.(incoming|outgoing)\\.[^.]+\\.(topics?|dead-letter-queue\\.topic)");
    Set<String> sends = new TreeSet<>();
    Set<String> receives = new TreeSet<>();
    for (String name : new TreeSet<>(props.stringPropertyNames())) {
      Matcher m = key.matcher(name);
      if (!m.matches()) {
        continue;
      }
      for (String topic : props.getProperty(name).split(",")) {
        String t = topic.trim();
        if (!t.equals(Topics.DLQ) && !Topics.EVENT_TOPICS.contains(t)) {
          throw new IllegalStateException(file + ": " + name + " names unknown topic " + t);
        }
        boolean writes = m.group(1).equals("outgoing") || m.group(2).startsWith("dead-letter");
        (writes ? sends : receives).add(t);
      }
    }
    if (sends.isEmpty() && receives.isEmpty()) {
      throw new IllegalStateException(file + " configures no Kafka channel");
    }
    return new Channels(sends, receives);
  }

  // --- payload schemas ------------------------------------------------------------------------

  private ObjectNode schemaOf(JavaType type, String where) {
    Class<?> raw = type.getRawClass();
    ObjectNode s = nodes.objectNode();
    if (raw == String.class) {
      s.put("type", "string");
    } else if (raw == int.class || raw == Integer.class) {
      s.put("type", "integer").put("format", "int32");
    } else if (raw == long.class || raw == Long.class) {
      s.put("type", "integer").put("format", "int64");
    } else if (raw == double.class || raw == Double.class) {
      s.put("type", "number");
    } else if (raw == boolean.class || raw == Boolean.class) {
      s.put("type", "boolean");
    } else if (raw == Instant.class) {
      s.put("type", "string").put("format", "date-time");
    } else if (raw == Duration.class) {
      // Not format: duration (RFC 3339 has no fractional seconds, java.time writes PT0.75S).
      s.put("type", "string")
          .put("pattern", "^-?P(-?[0-9]+D)?(T(-?[0-9]+H)?(-?[0-9]+M)?(-?[0-9]+(\\.[0-9]+)?S)?)?$")
          .put("description", "ISO-8601 as java.time.Duration writes it, e.g. PT10M or PT0.75S");
    } else if (raw == LocalTime.class) {
      s.put("type", "string").put("pattern", "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?$");
    } else if (raw == ZoneId.class) {
      s.put("type", "string").put("description", "a time zone id, e.g. Europe/Berlin or UTC");
    } else if (raw.isEnum()) {
      s.put("type", "string");
      ArrayNode values = s.putArray("enum");
      for (Object constant : raw.getEnumConstants()) {
        values.add(json.valueToTree(constant).asText());
      }
    } else if (Collection.class.isAssignableFrom(raw)) {
      s.put("type", "array");
      s.set("items", schemaOf(type.getContentType(), where + "[]"));
      if (Set.class.isAssignableFrom(raw)) {
        s.put("uniqueItems", true);
      }
    } else if (raw.isRecord()) {
      recordSchema(raw);
      s.put("$ref", "#/components/schemas/" + raw.getSimpleName());
    } else {
      throw new IllegalStateException(
          "no JSON Schema for " + type + " at " + where + ": add one to AsyncApiDocument.schemaOf");
    }
    return s;
  }

  private void recordSchema(Class<?> record) {
    if (recordSchemas.containsKey(record)) {
      return;
    }
    for (Class<?> other : recordSchemas.keySet()) {
      if (other.getSimpleName().equals(record.getSimpleName())) {
        throw new IllegalStateException(
            "two records named " + record.getSimpleName() + ": " + other + " and " + record);
      }
    }
    ObjectNode s = nodes.objectNode();
    recordSchemas.put(record, s);
    s.put("type", "object");
    EventType eventType = RotorEvent.class.isAssignableFrom(record) ? EventType.of(record) : null;
    Map<String, Boolean> requiredness = required.get(record);
    if (requiredness == null) {
      throw new IllegalStateException(
          "no sample of "
              + record.getName()
              + " to probe which fields the codec requires: add one to"
              + " AsyncApiDocument.extraSamples");
    }
    ArrayNode req = nodes.arrayNode();
    ObjectNode props = nodes.objectNode();
    for (BeanPropertyDefinition p : properties(record)) {
      String where = record.getSimpleName() + "." + p.getName();
      ObjectNode ps = schemaOf(p.getPrimaryType(), where);
      if (eventType != null) {
        String description = eventsMdField(eventType.eventName(), p.getName());
        if (description != null) {
          ps.put("description", description);
        }
      }
      props.set(p.getName(), ps);
      Boolean isRequired = requiredness.get(p.getName());
      if (isRequired == null) {
        throw new IllegalStateException(
            "no sample has " + where + " to probe whether the codec requires it");
      }
      if (isRequired) {
        req.add(p.getName());
      }
    }
    if (!req.isEmpty()) {
      s.set("required", req);
    }
    s.set("properties", props);
    s.put("additionalProperties", false);
  }

  private List<BeanPropertyDefinition> properties(Class<?> record) {
    BeanDescription d = json.getSerializationConfig().introspect(json.constructType(record));
    return d.findProperties();
  }

  private static boolean hasComponent(Class<?> record, String name) {
    for (var c : record.getRecordComponents()) {
      if (c.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  // --- which fields the codec requires ---------------------------------------------------------

  /**
   * Removes each field, one at a time, from a valid sample event and asks the codec: a field is
   * required when the codec refuses every sample without it, optional when a valid sample lacks it
   * or the codec accepts one without it.
   */
  private void probeRequiredFields() {
    if (!required.isEmpty()) {
      return;
    }
    for (EventType type : EventType.values()) {
      probe(type, json.valueToTree(SampleEvents.of(type)));
    }
    for (Map.Entry<EventType, ObjectNode> extra : extraSamples().entrySet()) {
      probe(extra.getKey(), extra.getValue());
    }
  }

  /** Samples of nested records that the shared samples leave out. */
  private Map<EventType, ObjectNode> extraSamples() {
    ObjectNode withWindow = json.valueToTree(SampleEvents.of(EventType.KEY_GENERATED));
    ((ObjectNode) withWindow.at("/plan/stages/0"))
        .set(
            "maintenanceWindow",
            json.valueToTree(
                new MaintenanceWindow(
                    Set.of(DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY),
                    LocalTime.of(9, 0),
                    LocalTime.of(16, 30),
                    ZoneId.of("Europe/Berlin"))));
    EventCodec.decode(EventType.KEY_GENERATED, bytes(withWindow));
    return Map.of(EventType.KEY_GENERATED, withWindow);
  }

  private void probe(EventType type, ObjectNode sample) {
    probeNode(type, sample, "", json.constructType(type.dataClass()));
  }

  private void probeNode(EventType type, ObjectNode root, String pointer, JavaType javaType) {
    Class<?> raw = javaType.getRawClass();
    JsonNode node = root.at(pointer);
    if (raw.isRecord() && node.isObject()) {
      Map<String, Boolean> fields = required.computeIfAbsent(raw, k -> new LinkedHashMap<>());
      for (BeanPropertyDefinition p : properties(raw)) {
        String name = p.getName();
        if (!node.has(name)) {
          fields.put(name, false); // a valid event without it
          continue;
        }
        ObjectNode without = root.deepCopy();
        ((ObjectNode) without.at(pointer)).remove(name);
        boolean refused = !decodes(type, without);
        fields.merge(name, refused, Boolean::logicalAnd);
        probeNode(type, root, pointer + "/" + name, p.getPrimaryType());
      }
    } else if (Collection.class.isAssignableFrom(raw) && node.isArray() && !node.isEmpty()) {
      probeNode(type, root, pointer + "/0", javaType.getContentType());
    }
  }

  private boolean decodes(EventType type, ObjectNode data) {
    try {
      EventCodec.decode(type, bytes(data));
      return true;
    } catch (EventDecodingException e) {
      return false;
    }
  }

  private byte[] bytes(JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- descriptions from docs/events.md -------------------------------------------------------

  private String eventsMdSection(String eventName) {
    int start = eventsMd.indexOf("\n### " + eventName + "\n");
    if (start < 0) {
      throw new IllegalStateException(EVENTS_MD + " has no section ### " + eventName);
    }
    int end = eventsMd.indexOf("\n#", start + 5);
    return eventsMd.substring(start, end < 0 ? eventsMd.length() : end);
  }

  /** The section's second paragraph (the first names type, record and topic). */
  private String eventsMdParagraph(String eventName) {
    String[] paragraphs = eventsMdSection(eventName).strip().split("\n\n");
    if (paragraphs.length < 3 || paragraphs[2].startsWith("|")) {
      throw new IllegalStateException(
          EVENTS_MD + " ### " + eventName + ": expected a paragraph describing the event");
    }
    return paragraphs[2].replace('\n', ' ').strip();
  }

  private String eventsMdField(String eventName, String field) {
    Matcher m =
        Pattern.compile(
                "^\\| `" + Pattern.quote(field) + "` \\|[^|]*\\| (.*?) \\|$", Pattern.MULTILINE)
            .matcher(eventsMdSection(eventName));
    if (!m.find()) {
      return null;
    }
    return m.group(1)
        .replaceAll(" \\((required|optional)\\)$", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
  }

  static Set<String> servicesAndTools() {
    Set<String> all = new LinkedHashSet<>(SERVICES);
    all.add("rotorctl");
    return all;
  }
}
