package dev.rotor.notifier.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Base64;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record's headers as JSON text, in order and with duplicates: {@code
 * [{"name":"ce_id","value":"<base64>"},…]} (a null value stays null).
 */
final class RecordHeadersJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordHeadersJson() {}

  static String write(Headers headers) {
    ArrayNode array = JSON.createArrayNode();
    for (Header header : headers) {
      array
          .addObject()
          .put("name", header.key())
          .put(
              "value",
              header.value() == null ? null : Base64.getEncoder().encodeToString(header.value()));
    }
    return array.toString();
  }

  static Headers read(String text) {
    RecordHeaders headers = new RecordHeaders();
    try {
      for (JsonNode header : JSON.readTree(text)) {
        JsonNode value = header.get("value");
        headers.add(
            header.get("name").asText(),
            value == null || value.isNull() ? null : Base64.getDecoder().decode(value.asText()));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("notifier_queue.record_headers is not valid JSON", e);
    }
    return headers;
  }
}
