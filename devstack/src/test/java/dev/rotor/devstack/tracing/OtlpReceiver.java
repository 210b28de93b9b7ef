package dev.rotor.devstack.tracing;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A trace backend for a test: an OTLP/HTTP receiver ({@code http/protobuf}) on 127.0.0.1 that keeps
 * the spans every process exports. It decodes only what the tests need from {@code
 * ExportTraceServiceRequest} (opentelemetry-proto's {@code trace/v1/trace.proto}): the resource's
 * {@code service.name}, and each span's trace id, span id, parent span id and name. The protobuf
 * wire format is read directly: the generated classes are not a dependency of the build.
 */
public final class OtlpReceiver implements AutoCloseable {
  /** One exported span. */
  public record ReceivedSpan(
      String service, String traceId, String spanId, String parentSpanId, String name) {}

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  public static OtlpReceiver start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    OtlpReceiver receiver = new OtlpReceiver(server);
    server.createContext(
        "/",
        exchange -> {
          try (InputStream body = exchange.getRequestBody()) {
            byte[] bytes = body.readAllBytes();
            if ("gzip"
                .equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
              bytes = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes)).readAllBytes();
            }
            receiver.spans.addAll(decode(bytes));
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
          } catch (RuntimeException e) {
            exchange.sendResponseHeaders(400, -1);
          } finally {
            exchange.close();
          }
        });
    server.start();
    return receiver;
  }

  /** Where to send spans: {@code quarkus.otel.exporter.otlp.traces.endpoint}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
  }

  public List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  // ---------------------------------------------------------------- the protobuf wire format

  static List<ReceivedSpan> decode(byte[] request) {
    List<ReceivedSpan> decoded = new ArrayList<>();
    for (Field resourceSpans : fields(request)) {
      if (resourceSpans.number() != 1) {
        continue;
      }
      String service = "";
      List<byte[]> scopeSpans = new ArrayList<>();
      for (Field f : fields(resourceSpans.bytes())) {
        if (f.number() == 1) {
          service = serviceName(f.bytes(), service);
        } else if (f.number() == 2) {
          scopeSpans.add(f.bytes());
        }
      }
      for (byte[] scope : scopeSpans) {
        for (Field span : fields(scope)) {
          if (span.number() == 2) {
            decoded.add(span(service, span.bytes()));
          }
        }
      }
    }
    return decoded;
  }

  private static String serviceName(byte[] resource, String otherwise) {
    for (Field attribute : fields(resource)) {
      if (attribute.number() != 1) {
        continue;
      }
      String key = null;
      String value = null;
      for (Field f : fields(attribute.bytes())) {
        if (f.number() == 1) {
          key = new String(f.bytes(), StandardCharsets.UTF_8);
        } else if (f.number() == 2) {
          for (Field any : fields(f.bytes())) {
            if (any.number() == 1) {
              value = new String(any.bytes(), StandardCharsets.UTF_8);
            }
          }
        }
      }
      if ("service.name".equals(key) && value != null) {
        return value;
      }
    }
    return otherwise;
  }

  private static ReceivedSpan span(String service, byte[] span) {
    String traceId = "";
    String spanId = "";
    String parent = "";
    String name = "";
    for (Field f : fields(span)) {
      switch (f.number()) {
        case 1 -> traceId = HexFormat.of().formatHex(f.bytes());
        case 2 -> spanId = HexFormat.of().formatHex(f.bytes());
        case 4 -> parent = HexFormat.of().formatHex(f.bytes());
        case 5 -> name = new String(f.bytes(), StandardCharsets.UTF_8);
        default -> {
          // not needed
        }
      }
    }
    return new ReceivedSpan(service, traceId, spanId, parent, name);
  }

  /** A field of a message: its number, and its bytes when it is length-delimited. */
  private record Field(int number, byte[] bytes) {}

  private static List<Field> fields(byte[] message) {
    List<Field> fields = new ArrayList<>();
    int[] at = {0};
    while (at[0] < message.length) {
      long key = varint(message, at);
      int number = (int) (key >>> 3);
      int type = (int) (key & 7);
      switch (type) {
        case 0 -> {
          varint(message, at);
          fields.add(new Field(number, new byte[0]));
        }
        case 1 -> at[0] += 8;
        case 5 -> at[0] += 4;
        case 2 -> {
          int length = (int) varint(message, at);
          ByteArrayOutputStream value = new ByteArrayOutputStream();
          value.write(message, at[0], length);
          at[0] += length;
          fields.add(new Field(number, value.toByteArray()));
        }
        default -> throw new IllegalArgumentException("wire type " + type);
      }
    }
    return fields;
  }

  private static long varint(byte[] bytes, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = bytes[at[0]++];
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint too long");
  }
}
