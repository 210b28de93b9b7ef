package dev.rotor.notifier.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A local Slack for tests: the parts of Slack's API that Rotor uses, with the answers Slack
 * documents.
 *
 * <ul>
 *   <li>{@code POST /api/chat.postMessage}: JSON body, {@code Authorization: Bearer <token>};
 *       answers HTTP 200 with {@code {"ok":true,"channel":"C…","ts":"…"}} or {@code
 *       {"ok":false,"error":"…"}}: {@code not_authed}, {@code invalid_auth}, {@code
 *       channel_not_found}, {@code not_in_channel}, {@code no_text}, {@code invalid_blocks} (Block
 *       Kit limits: 50 blocks, header 150 characters, section text 3000, 10 fields of 2000);
 *   <li>{@code POST /services/T…/B…/…} (incoming webhooks): {@code 200 ok}, or 400 {@code
 *       invalid_payload}/{@code no_text}/{@code invalid_blocks}, 404 {@code no_service};
 *   <li>scripted trouble: the next answers to matching requests can be a 500, a 503, a 429 with
 *       {@code Retry-After}, or any Slack error, and an outage answers 503 until it ends.
 * </ul>
 *
 * Every request is recorded with its arrival time; every accepted message too.
 */
public final class FakeSlack implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request as received, and what the fake answered. */
  public record Request(
      String path, String authorization, JsonNode body, Instant receivedAt, int status) {
    /** The rotation id in the message metadata, or in the body's text. */
    public boolean concerns(String rotationId) {
      return body != null && body.toString().contains(rotationId);
    }
  }

  /** A message Slack accepted. */
  public record Message(
      String channel,
      String ts,
      String threadTs,
      boolean broadcast,
      String text,
      JsonNode blocks,
      JsonNode metadata,
      Instant receivedAt) {
    /** The Rotor event id in the metadata (Web API only). */
    public String eventId() {
      return metadata == null ? null : metadata.path("event_payload").path("event_id").asText(null);
    }

    /** The event type in the metadata (Web API only). */
    public String type() {
      return metadata == null ? null : metadata.path("event_payload").path("type").asText(null);
    }

    /** Whether the message is about {@code text} (a rotation id, an event id) anywhere. */
    public boolean mentions(String text) {
      return (blocks != null && blocks.toString().contains(text))
          || (metadata != null && metadata.toString().contains(text))
          || (this.text != null && this.text.contains(text));
    }
  }

  /** A scripted answer. */
  public record Answer(int status, Map<String, String> headers, String body) {
    public static Answer serverError(int status) {
      return new Answer(status, Map.of(), "<html>upstream error</html>");
    }

    public static Answer rateLimited(int retryAfterSeconds) {
      return new Answer(
          429, Map.of("Retry-After", Integer.toString(retryAfterSeconds)), "rate_limited");
    }

    /** Slack's way: HTTP 200 with {@code ok: false}. */
    public static Answer error(String code) {
      return new Answer(200, Map.of(), "{\"ok\":false,\"error\":\"" + code + "\"}");
    }

    /** An incoming webhook's way: a status with the error code as text. */
    public static Answer webhookError(int status, String code) {
      return new Answer(status, Map.of(), code);
    }
  }

  private record Rule(Predicate<JsonNode> matches, AtomicInteger remaining, Answer answer) {}

  private record Hook(Predicate<JsonNode> matches, AtomicInteger remaining, Runnable action) {}

  private final HttpServer server;
  private final String token;
  private final Set<String> members;
  private final Set<String> nonMembers;
  private final Map<String, String> channelIds = new LinkedHashMap<>();
  private final Map<String, String> webhooks = new LinkedHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Message> messages = new CopyOnWriteArrayList<>();
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Hook> hooks = new CopyOnWriteArrayList<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private final long epochSecond = Instant.now().getEpochSecond();

  /**
   * @param token the bot token the Web API accepts
   * @param members channels the bot is in
   * @param nonMembers channels that exist but the bot is not in
   */
  public FakeSlack(String token, Set<String> members, Set<String> nonMembers) {
    this.token = token;
    this.members = Set.copyOf(members);
    this.nonMembers = Set.copyOf(nonMembers);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start the fake Slack", e);
    }
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/api/chat.postMessage", this::postMessage);
    server.createContext("/services/", this::webhook);
    server.start();
  }

  /** The bot token the Web API accepts. */
  public String token() {
    return token;
  }

  /** The incoming-webhook URLs created so far. */
  public synchronized List<String> webhookUrls() {
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    return webhooks.keySet().stream().map(path -> base + path).toList();
  }

  /** The Web API base URL, for {@code rotor.notifier.slack.api-url}. */
  public String apiUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
  }

  /** A new incoming webhook for {@code channel}; its URL holds a secret like Slack's. */
  public synchronized String createWebhook(String channel) {
    String path =
        "/services/T0ROTOR/B"
            + (webhooks.size() + 1)
            + "/"
            + UUID.randomUUID().toString().replace("-", "");
    webhooks.put(path, channel);
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** The next {@code times} requests whose body matches are answered with {@code answer}. */
  public void answer(Predicate<JsonNode> matches, int times, Answer answer) {
    rules.add(new Rule(matches, new AtomicInteger(times), answer));
  }

  /** Every request whose body mentions {@code text} is answered with {@code answer}. */
  public void answerAlways(String text, Answer answer) {
    answer(body -> body.toString().contains(text), Integer.MAX_VALUE, answer);
  }

  /**
   * The first request whose body matches runs {@code action} before Slack answers it (to make
   * something fail between Slack taking a message and the notifier recording it).
   */
  public void beforeAnswering(Predicate<JsonNode> matches, Runnable action) {
    hooks.add(new Hook(matches, new AtomicInteger(1), action));
  }

  /** Forgets every scripted answer and hook. */
  public void reset() {
    rules.clear();
    hooks.clear();
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public List<Message> messages() {
    return List.copyOf(messages);
  }

  /** The accepted messages that mention {@code text}, in the order Slack took them. */
  public List<Message> messagesMentioning(String text) {
    return messages.stream().filter(m -> m.mentions(text)).toList();
  }

  /** The requests (accepted or not) whose body mentions {@code text}, in arrival order. */
  public List<Request> requestsMentioning(String text) {
    return requests.stream().filter(r -> r.concerns(text)).toList();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  private void postMessage(HttpExchange exchange) throws IOException {
    Instant at = Instant.now();
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    JsonNode body = readJson(exchange);
    if (!"POST".equals(exchange.getRequestMethod())) {
      reply(exchange, at, authorization, body, 405, Map.of(), "method not allowed");
      return;
    }
    Answer scripted = scripted(body);
    if (scripted != null) {
      reply(
          exchange,
          at,
          authorization,
          body,
          scripted.status(),
          scripted.headers(),
          scripted.body());
      return;
    }
    String error = check(exchange, authorization, body);
    if (error != null) {
      reply(
          exchange,
          at,
          authorization,
          body,
          200,
          Map.of(),
          "{\"ok\":false,\"error\":\"" + error + "\"}");
      return;
    }
    String channel = body.path("channel").asText();
    String ts = nextTs();
    String threadTs = body.hasNonNull("thread_ts") ? body.get("thread_ts").asText() : null;
    messages.add(
        new Message(
            channel,
            ts,
            threadTs,
            body.path("reply_broadcast").asBoolean(false),
            body.path("text").asText(null),
            body.get("blocks"),
            body.get("metadata"),
            at));
    ObjectNode answer = JSON.createObjectNode().put("ok", true);
    answer.put(
        "channel",
        channelIds.computeIfAbsent(
            channel, c -> "C0" + Integer.toHexString(c.hashCode()).toUpperCase()));
    answer.put("ts", ts);
    answer.putObject("message").put("text", body.path("text").asText(""));
    reply(exchange, at, authorization, body, 200, Map.of(), answer.toString());
  }

  private String check(HttpExchange exchange, String authorization, JsonNode body) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return "not_authed";
    }
    if (!authorization.equals("Bearer " + token)) {
      return "invalid_auth";
    }
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType == null || !contentType.startsWith("application/json") || body == null) {
      return "invalid_arguments";
    }
    String channel = body.path("channel").asText("");
    if (nonMembers.contains(channel)) {
      return "not_in_channel";
    }
    if (!members.contains(channel)) {
      return "channel_not_found";
    }
    return checkContent(body);
  }

  private static String checkContent(JsonNode body) {
    JsonNode blocks = body.get("blocks");
    if (blocks == null && body.path("text").asText("").isEmpty()) {
      return "no_text";
    }
    if (blocks != null && !validBlocks(blocks)) {
      return "invalid_blocks";
    }
    return null;
  }

  private static boolean validBlocks(JsonNode blocks) {
    if (!blocks.isArray() || blocks.size() > 50) {
      return false;
    }
    for (JsonNode block : blocks) {
      String type = block.path("type").asText();
      switch (type) {
        case "header" -> {
          JsonNode text = block.path("text");
          if (!"plain_text".equals(text.path("type").asText())
              || text.path("text").asText().isEmpty()
              || text.path("text").asText().length() > 150) {
            return false;
          }
        }
        case "section" -> {
          JsonNode text = block.get("text");
          JsonNode fields = block.get("fields");
          if (text == null && fields == null) {
            return false;
          }
          if (text != null && !validText(text, 3000)) {
            return false;
          }
          if (fields != null) {
            if (!fields.isArray() || fields.size() > 10) {
              return false;
            }
            for (JsonNode field : fields) {
              if (!validText(field, 2000)) {
                return false;
              }
            }
          }
        }
        case "context" -> {
          JsonNode elements = block.path("elements");
          if (!elements.isArray() || elements.isEmpty() || elements.size() > 10) {
            return false;
          }
          for (JsonNode element : elements) {
            if (!validText(element, 3000)) {
              return false;
            }
          }
        }
        case "divider" -> {}
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean validText(JsonNode text, int max) {
    String type = text.path("type").asText();
    String value = text.path("text").asText("");
    return (type.equals("mrkdwn") || type.equals("plain_text"))
        && !value.isEmpty()
        && value.length() <= max;
  }

  private void webhook(HttpExchange exchange) throws IOException {
    Instant at = Instant.now();
    JsonNode body = readJson(exchange);
    String channel = webhooks.get(exchange.getRequestURI().getPath());
    if (channel == null) {
      reply(exchange, at, null, body, 404, Map.of(), "no_service");
      return;
    }
    Answer scripted = scripted(body);
    if (scripted != null) {
      reply(exchange, at, null, body, scripted.status(), scripted.headers(), scripted.body());
      return;
    }
    if (body == null) {
      reply(exchange, at, null, null, 400, Map.of(), "invalid_payload");
      return;
    }
    String error = checkContent(body);
    if (error != null) {
      reply(exchange, at, null, body, 400, Map.of(), error);
      return;
    }
    messages.add(
        new Message(
            channel,
            null,
            body.hasNonNull("thread_ts") ? body.get("thread_ts").asText() : null,
            false,
            body.path("text").asText(null),
            body.get("blocks"),
            body.get("metadata"),
            at));
    reply(exchange, at, null, body, 200, Map.of(), "ok");
  }

  private Answer scripted(JsonNode body) {
    if (body == null) {
      return null;
    }
    for (Hook hook : hooks) {
      if (hook.matches().test(body) && hook.remaining().getAndDecrement() > 0) {
        hook.action().run();
      }
    }
    for (Rule rule : rules) {
      if (rule.matches().test(body) && rule.remaining().getAndDecrement() > 0) {
        return rule.answer();
      }
    }
    return null;
  }

  private void reply(
      HttpExchange exchange,
      Instant at,
      String authorization,
      JsonNode body,
      int status,
      Map<String, String> headers,
      String text)
      throws IOException {
    requests.add(new Request(exchange.getRequestURI().getPath(), authorization, body, at, status));
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
    exchange
        .getResponseHeaders()
        .add(
            "Content-Type", text.startsWith("{") ? "application/json; charset=utf-8" : "text/html");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static JsonNode readJson(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] bytes = in.readAllBytes();
      if (bytes.length == 0) {
        return null;
      }
      JsonNode node = JSON.readTree(bytes);
      return node != null && node.isObject() ? node : null;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }

  private String nextTs() {
    return epochSecond + "." + String.format("%06d", sequence.incrementAndGet());
  }
}
