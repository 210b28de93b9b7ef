package dev.rotor.devstack.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slack for the devstack, as a process of its own: the one Web API method the notifier calls
 * ({@code POST /api/chat.postMessage}, answered as Slack documents it), printing each message it
 * receives (channel, thread, text) to its log, {@code .devstack/logs/slack.log}, instead of posting
 * it anywhere. It checks the bot token as Slack does ({@code not_authed}, {@code invalid_auth}).
 *
 * <p>Arguments: {@code <ready file> <parent pid>}; the expected token in {@code
 * ROTOR_DEVSTACK_SLACK_TOKEN}.
 */
public final class SlackMain {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private SlackMain() {}

  public static void main(String[] args) throws Exception {
    Path ready = Path.of(args[0]);
    ParentWatch.start(Long.parseLong(args[1]));
    String token = System.getenv("ROTOR_DEVSTACK_SLACK_TOKEN");
    AtomicLong sequence = new AtomicLong(1_700_000_000L);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/api/chat.postMessage",
        exchange -> {
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          if (auth == null) {
            respond(exchange, Map.of("ok", false, "error", "not_authed"));
            return;
          }
          if (!auth.equals("Bearer " + token)) {
            respond(exchange, Map.of("ok", false, "error", "invalid_auth"));
            return;
          }
          JsonNode message =
              JSON.readTree(
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          String channel = message.path("channel").asText("?");
          String ts = sequence.incrementAndGet() + ".000100";
          String thread = message.path("thread_ts").asText("");
          System.out.println(
              CLOCK.format(LocalTime.now())
                  + " "
                  + channel
                  + (thread.isEmpty() ? "" : " (thread " + thread + ")")
                  + ": "
                  + message.path("text").asText("").replace('\n', ' '));
          Map<String, Object> answer = new LinkedHashMap<>();
          answer.put("ok", true);
          answer.put(
              "channel", channel.startsWith("#") ? "C" + Math.abs(channel.hashCode()) : channel);
          answer.put("ts", ts);
          respond(exchange, answer);
        });
    server.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.stop(0);
                  stopped.countDown();
                },
                "rotor-devstack-slack-stop"));
    String api = "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
    ReadyFile.write(ready, Map.of("apiUrl", api));
    System.out.println("ROTOR-8016 Slack stand-in ready at " + api + ": messages are printed here");
    stopped.await();
  }

  private static void respond(HttpExchange exchange, Map<String, Object> body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
