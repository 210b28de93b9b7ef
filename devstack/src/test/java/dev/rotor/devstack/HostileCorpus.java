package dev.rotor.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.common.event.CloudEventBinding;
import dev.rotor.common.event.EventCodec;
import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.common.event.SampleEvents;
import dev.rotor.common.event.Topics;
import dev.rotor.testsupport.KafkaTestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The hostile corpus: for every topic a Rotor service consumes, malformed and hostile records (each
 * must land in {@code rotor.dlq} once per consumer group of the topic, with a reason that starts
 * with the expected code and field), and well-formed events that are semantically wrong (each must
 * be refused with the documented event, or ignored, and change no state).
 */
final class HostileCorpus {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The key of the malformed records: the target they claim. */
  private static final String HOSTILE_KEY = "aether-services/secrets-service-config";

  /** The marker of the log-forging cases: no log line may start with it. */
  static final String FORGED_LINE =
      "10:00:00,000 INFO  [dev.rotor] ROTOR-0000 FORGED-BY-HOSTILE-INPUT";

  /** Characters no log line may hold raw (bidi overrides and isolates, zero-width, C0 controls). */
  static final String LOG_INJECTION =
      "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200e\u200f\u0000\u001b\u0007\u0008";

  /**
   * A malformed or hostile record.
   *
   * @param name short name, unique within its topic
   * @param description what is hostile about it
   * @param reasons the dead-letter reason must start with one of these ({@code CODE field})
   */
  record Hostile(
      String name,
      String description,
      String topic,
      String key,
      List<Header> headers,
      byte[] value,
      List<String> reasons) {
    String label() {
      return topic + " " + name;
    }
  }

  /**
   * A well-formed event a service must refuse with an event or ignore.
   *
   * @param answer the event type that must answer it (with its rotation id), or {@code null}
   * @param answerReason the answer's {@code reason}
   */
  record Semantic(
      String name,
      String description,
      String topic,
      String rotationId,
      String eventId,
      List<Header> headers,
      byte[] value,
      EventType answer,
      String answerReason) {}

  /** The event type each topic's malformed records are made from. */
  static final Map<String, EventType> TEMPLATES = new LinkedHashMap<>();

  static {
    TEMPLATES.put(Topics.REQUESTS, EventType.ROTATION_REQUESTED);
    TEMPLATES.put(Topics.KEYS, EventType.KEY_GENERATED);
    TEMPLATES.put(Topics.MANIFESTS, EventType.MANIFEST_APPROVED);
    TEMPLATES.put(Topics.ROLLOUTS, EventType.ROLLOUT_COMPLETED);
    TEMPLATES.put(Topics.VERIFICATIONS, EventType.ROTATION_COMPLETED);
    TEMPLATES.put(Topics.APPROVALS, EventType.ROTATION_APPROVED);
    TEMPLATES.put(Topics.LEDGER, EventType.LEDGER_CHECKPOINT);
  }

  private HostileCorpus() {}

  static List<Hostile> malformed() {
    List<Hostile> corpus = new ArrayList<>();
    TEMPLATES.forEach((topic, type) -> corpus.addAll(malformed(topic, type)));
    return corpus;
  }

  private static List<Hostile> malformed(String topic, EventType type) {
    EventEnvelope template = SampleEvents.envelope(type);
    byte[] data = EventCodec.encode(template.data());
    List<Hostile> c = new ArrayList<>();
    c.add(
        h(
            "not-json",
            "a value that is not JSON",
            topic,
            headers(template),
            bytes("{not json"),
            "NOT_JSON data"));
    c.add(
        h(
            "json-array",
            "a JSON array, not an object",
            topic,
            headers(template),
            bytes("[1,2]"),
            "NOT_JSON data"));
    c.add(
        h("empty-value", "an empty value", topic, headers(template), new byte[0], "NOT_JSON data"));
    c.add(
        h(
            "two-documents",
            "a JSON object followed by a second one",
            topic,
            headers(template),
            concat(data, bytes("{}")),
            "NOT_JSON data"));
    c.add(
        h(
            "wrong-types",
            "every text field of the data a number, every list an object",
            topic,
            headers(template),
            wrongTypes(data),
            "INVALID_FIELD"));
    c.add(
        h(
            "unknown-field",
            "an extra field keyMaterial",
            topic,
            headers(template),
            with(data, "keyMaterial", "AAAA"),
            "UNKNOWN_FIELD keyMaterial"));
    c.add(
        h(
            "giant-payload",
            "a 256 KiB value (the limit is 64 KiB)",
            topic,
            headers(template),
            with(data, "padding", "x".repeat(256 * 1024)),
            "TOO_LARGE data"));
    // Beyond the parser's limits, not its size: these once stopped a consumer for good (the
    // exception was not a decoding error, so nothing was dead-lettered and the record came back).
    c.add(
        h(
            "long-number",
            "a 40-digit number in the data (the parser takes 32)",
            topic,
            headers(template),
            withRaw(data, "padding", "7".repeat(40)),
            "TOO_LARGE data"));
    c.add(
        h(
            "deep-nesting",
            "arrays nested 500 deep in the data (the parser takes 32)",
            topic,
            headers(template),
            withRaw(data, "padding", "[".repeat(500) + "]".repeat(500)),
            "TOO_LARGE data"));
    // Its dead letter (the record plus dead-letter headers) is larger than an event topic takes:
    // it only fits because rotor.dlq and the dead-letter producers take twice as much.
    List<Header> nearLimit = headers(template);
    c.add(
        h(
            "at-the-size-limit",
            "a record 128 bytes short of the topic's 1 MiB limit",
            topic,
            nearLimit,
            KafkaTestClient.valueNearTheTopicLimit(
                HOSTILE_KEY, nearLimit, padding -> with(data, "padding", "x".repeat(padding)), 128),
            "TOO_LARGE data"));
    c.add(
        h(
            "no-headers",
            "no CloudEvents header at all",
            topic,
            List.of(),
            data,
            "MISSING_ATTRIBUTE ce_specversion"));
    c.add(
        h(
            "missing-ce_type",
            "no ce_type",
            topic,
            headers(template, "ce_type", null),
            data,
            "MISSING_ATTRIBUTE ce_type"));
    c.add(
        h(
            "missing-ce_source",
            "no ce_source",
            topic,
            headers(template, "ce_source", null),
            data,
            "MISSING_ATTRIBUTE ce_source"));
    c.add(
        h(
            "missing-ce_id",
            "no ce_id",
            topic,
            headers(template, "ce_id", null),
            data,
            "MISSING_ATTRIBUTE ce_id"));
    c.add(
        h(
            "duplicate-ce_id",
            "ce_id twice",
            topic,
            plus(headers(template), "ce_id", "hostile-second-id"),
            data,
            "DUPLICATE_ATTRIBUTE ce_id"));
    c.add(
        h(
            "duplicate-ce_type",
            "ce_type twice, the second another type",
            topic,
            plus(headers(template), "ce_type", EventType.ROTATION_APPROVED.cloudEventType()),
            data,
            "DUPLICATE_ATTRIBUTE ce_type"));
    c.add(
        h(
            "duplicate-ce_source",
            "ce_source twice",
            topic,
            plus(headers(template), "ce_source", "/rotor/verifier"),
            data,
            "DUPLICATE_ATTRIBUTE ce_source"));
    c.add(
        h(
            "unknown-type",
            "a type Rotor does not have",
            topic,
            headers(template, "ce_type", "dev.rotor.rotation.exploded.v1"),
            data,
            "UNKNOWN_TYPE ce_type"));
    c.add(
        h(
            "future-version",
            "the type's next version",
            topic,
            headers(template, "ce_type", type.cloudEventType().replace(".v1", ".v2")),
            data,
            "UNKNOWN_TYPE ce_type"));
    c.add(
        h(
            "foreign-type",
            "a type that is not Rotor's",
            topic,
            headers(template, "ce_type", "com.example.order.created"),
            data,
            "UNKNOWN_TYPE ce_type"));
    EventType wrong =
        topic.equals(Topics.REQUESTS) ? EventType.KEY_GENERATED : EventType.ROTATION_REQUESTED;
    EventEnvelope other = SampleEvents.envelope(wrong);
    c.add(
        h(
            "wrong-topic",
            wrong.eventName() + " on " + topic,
            topic,
            headers(other),
            EventCodec.encode(other.data()),
            "WRONG_TOPIC ce_type"));
    if (topic.equals(Topics.REQUESTS)) {
      c.add(
          h(
              "nul-in-free-text",
              "a NUL character in the request's reason (no database can store it)",
              topic,
              headers(template),
              with(data, "reason", "quarterly\u0000rotation"),
              "INVALID_FIELD reason"));
    }
    if (!type.producers().isEmpty()) {
      c.add(
          h(
              "forged-source",
              "a service's event from /rotor/cli",
              topic,
              headers(template, "ce_source", "/rotor/cli"),
              data,
              "FORGED_SOURCE ce_source"));
      c.add(
          h(
              "forged-source-lookalike",
              "a source that looks like the producer's (" + lookalike(template.source()) + ")",
              topic,
              headers(template, "ce_source", lookalike(template.source())),
              data,
              "FORGED_SOURCE ce_source"));
    }
    c.add(
        h(
            "wrong-specversion",
            "ce_specversion 0.3",
            topic,
            headers(template, "ce_specversion", "0.3"),
            data,
            "INVALID_ATTRIBUTE ce_specversion"));
    c.add(
        h(
            "bidi-override-subject",
            "a right-to-left override in ce_subject",
            topic,
            headers(template, "ce_subject", "aether-services/secrets\u202eservice-config"),
            data,
            "INVALID_ATTRIBUTE ce_subject"));
    c.add(
        h(
            "bidi-isolate-source",
            "a first-strong isolate in ce_source",
            topic,
            headers(template, "ce_source", template.source() + "\u2068"),
            data,
            "INVALID_ATTRIBUTE ce_source"));
    c.add(
        h(
            "zero-width-id",
            "a zero-width space in ce_id",
            topic,
            headers(template, "ce_id", "hostile\u200b" + UUID.randomUUID()),
            data,
            "INVALID_ATTRIBUTE ce_id"));
    c.add(
        h(
            "nul-in-id",
            "a NUL character in ce_id",
            topic,
            headers(template, "ce_id", "hostile\u0000" + UUID.randomUUID()),
            data,
            "INVALID_ATTRIBUTE ce_id"));
    c.add(
        h(
            "ansi-escape-source",
            "an ANSI escape sequence in ce_source",
            topic,
            headers(template, "ce_source", "\u001b[2J\u001b[31m/rotor/cli"),
            data,
            "INVALID_ATTRIBUTE ce_source"));
    c.add(
        h(
            "forged-log-line-id",
            "a newline and a forged log line in ce_id",
            topic,
            headers(template, "ce_id", "hostile\n" + FORGED_LINE),
            data,
            "INVALID_ATTRIBUTE ce_id"));
    List<Header> badUtf8 = headers(template, "ce_subject", null);
    badUtf8.add(
        new RecordHeader("ce_subject", new byte[] {'a', (byte) 0xc3, (byte) 0x28, '/', 'b'}));
    c.add(
        h(
            "invalid-utf8-subject",
            "ce_subject that is not UTF-8",
            topic,
            badUtf8,
            data,
            "INVALID_ATTRIBUTE ce_subject"));
    if (template.subject() != null && template.rotationId() != null) {
      c.add(
          h(
              "subject-mismatch",
              "ce_subject another (valid) target than the data's",
              topic,
              headers(template, "ce_subject", "other-namespace/other-secret"),
              data,
              "MISMATCH ce_subject"));
      c.add(
          h(
              "rotationid-mismatch",
              "ce_rotationid another rotation than the data's",
              topic,
              headers(template, "ce_rotationid", "another-rotation"),
              data,
              "MISMATCH ce_rotationid"));
      for (Map.Entry<String, String> target :
          Map.of(
                  "path-traversal-target", "../../etc/passwd",
                  "path-traversal-target-in-namespace", "aether-services/../../../.git/config",
                  "yaml-injection-target", "aether-services/app\nkind: ClusterRoleBinding",
                  "yaml-anchor-target", "aether-services/*anchor",
                  "yaml-tag-target", "aether-services/!!python/object:os.system",
                  "shell-target", "aether-services/$(touch /tmp/pwned)",
                  "uppercase-target", "AETHER-SERVICES/SECRETS-SERVICE-CONFIG",
                  "homoglyph-target", "aether-services/secrets-servi\u0441e-config")
              .entrySet()) {
        c.add(
            h(
                target.getKey(),
                "targetId " + printable(target.getValue()) + " in the data",
                topic,
                headers(template),
                with(data, "targetId", target.getValue()),
                "INVALID_FIELD targetId"));
      }
      c.add(
          h(
              "path-traversal-rotation-id",
              "rotationId ../../refs/heads/main in the data",
              topic,
              headers(template),
              with(data, "rotationId", "../../refs/heads/main"),
              "INVALID_FIELD rotationId"));
    }
    return c;
  }

  /** The well-formed events for what does not exist. */
  static List<Semantic> semantic() {
    List<Semantic> c = new ArrayList<>();
    String unknownTarget = "rotor-hostile/unknown-secret";
    String id = rotation("unknown-target");
    c.add(
        s(
            "request-unknown-target",
            "a rotation.requested for a target the policy does not have: rotation.rejected"
                + " UNKNOWN_TARGET",
            Topics.REQUESTS,
            EventType.ROTATION_REQUESTED,
            Map.of("rotationId", id, "targetId", unknownTarget, "reason", "hostile corpus"),
            unknownTarget,
            id,
            EventType.ROTATION_REJECTED,
            "UNKNOWN_TARGET"));
    id = rotation("unicode-reason");
    c.add(
        s(
            "request-unicode-reason",
            "a request whose reason and requester hold a bidi override, ANSI escapes and a forged"
                + " log line: rejected INVALID_REQUEST, never logged raw",
            Topics.REQUESTS,
            EventType.ROTATION_REQUESTED,
            Map.of(
                "rotationId",
                id,
                "targetId",
                unknownTarget,
                "reason",
                "ok\u202e\u001b[31m\n" + FORGED_LINE,
                "requestedBy",
                "mallory\u2066"),
            unknownTarget,
            id,
            EventType.ROTATION_REJECTED,
            "INVALID_REQUEST"));
    String target = SampleEvents.TARGET;
    id = rotation("unknown-approval");
    c.add(
        s(
            "approval-unknown-rotation",
            "a rotation.approved for a rotation that does not exist",
            Topics.APPROVALS,
            EventType.ROTATION_APPROVED,
            Map.of("rotationId", id),
            target,
            id,
            null,
            null));
    id = rotation("unknown-rollback");
    c.add(
        s(
            "rollback-request-unknown-rotation",
            "a rotation.rollback-requested for a rotation that does not exist",
            Topics.APPROVALS,
            EventType.ROTATION_ROLLBACK_REQUESTED,
            Map.of("rotationId", id),
            target,
            id,
            null,
            null));
    id = rotation("unknown-completed");
    c.add(
        s(
            "completed-unknown-rotation",
            "a rotation.completed (from the verifier's source) for a rotation that does not exist",
            Topics.VERIFICATIONS,
            EventType.ROTATION_COMPLETED,
            Map.of("rotationId", id),
            target,
            id,
            null,
            null));
    return c;
  }

  /**
   * The producer's source with {@code -evil} after the service name: {@code
   * /rotor/key-generator-evil}, {@code /rotor/cluster-agent-evil/aether-staging}. (Not {@code
   * /rotor/cluster-agent/aether-staging-evil}: a cluster-agent's source may name any cluster, see
   * docs/hostile-input.md, "What the suite found".)
   */
  private static String lookalike(String source) {
    return source.replaceFirst("^(/rotor/[a-z-]+)", "$1-evil");
  }

  private static String rotation(String what) {
    return "hostile-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Semantic s(
      String name,
      String description,
      String topic,
      EventType type,
      Map<String, String> changes,
      String subject,
      String rotationId,
      EventType answer,
      String answerReason) {
    EventEnvelope template = SampleEvents.envelope(type);
    byte[] value = EventCodec.encode(template.data());
    for (Map.Entry<String, String> change : changes.entrySet()) {
      value = with(value, change.getKey(), change.getValue());
    }
    String eventId = "hostile-" + UUID.randomUUID();
    List<Header> headers = headers(template, "ce_id", eventId);
    headers = replace(headers, "ce_subject", subject);
    headers = replace(headers, "ce_partitionkey", subject);
    headers = replace(headers, "ce_rotationid", rotationId);
    headers = replace(headers, "ce_time", java.time.Instant.now().toString());
    return new Semantic(
        name, description, topic, rotationId, eventId, headers, value, answer, answerReason);
  }

  // ------------------------------------------------------------------------------- helpers

  private static Hostile h(
      String name,
      String description,
      String topic,
      List<Header> headers,
      byte[] value,
      String reason) {
    return new Hostile(name, description, topic, HOSTILE_KEY, headers, value, List.of(reason));
  }

  /** The template's headers with a fresh ce_id. */
  static List<Header> headers(EventEnvelope template) {
    return headers(template, "ce_id", "hostile-" + UUID.randomUUID());
  }

  /**
   * The template's headers, one replaced ({@code null}: removed), a fresh ce_id unless replaced.
   */
  static List<Header> headers(EventEnvelope template, String name, String value) {
    Map<String, String> map = new LinkedHashMap<>(CloudEventBinding.headers(template));
    map.put("ce_id", "hostile-" + UUID.randomUUID());
    if (value == null) {
      map.remove(name);
    } else {
      map.put(name, value);
    }
    List<Header> headers = new ArrayList<>();
    map.forEach((k, v) -> headers.add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
    return headers;
  }

  private static List<Header> replace(List<Header> headers, String name, String value) {
    List<Header> list = new ArrayList<>();
    for (Header header : headers) {
      if (!header.key().equals(name)) {
        list.add(header);
      }
    }
    if (value != null) {
      list.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
    }
    return list;
  }

  private static List<Header> plus(List<Header> headers, String name, String value) {
    List<Header> list = new ArrayList<>(headers);
    list.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
    return list;
  }

  private static byte[] with(byte[] data, String field, String value) {
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(data);
      node.put(field, value);
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] wrongTypes(byte[] data) {
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(data);
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (node.get(name).isTextual()) {
          node.put(name, 42);
        } else if (node.get(name).isArray()) {
          node.putObject(name).put("not", "a list");
        } else if (node.get(name).isNumber() || node.get(name).isBoolean()) {
          node.put(name, "not a number");
        }
      }
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code data} with one more field whose value is the raw JSON {@code json}, placed first. */
  private static byte[] withRaw(byte[] data, String field, String json) {
    String text = new String(data, StandardCharsets.UTF_8);
    return bytes("{\"" + field + "\":" + json + "," + text.substring(1));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  static String printable(String text) {
    StringBuilder s = new StringBuilder();
    text.codePoints()
        .forEach(
            cp -> {
              if (cp >= 0x20 && cp < 0x7f) {
                s.appendCodePoint(cp);
              } else {
                s.append(String.format("\\u%04x", cp));
              }
            });
    return s.toString();
  }
}
