package dev.rotor.examples.secrets;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the @QuarkusTest classes read from the running application: its log file and metrics. */
public final class TestApplication {
  private TestApplication() {}

  /** The application's log file ({@code quarkus.log.file.path}, set by the surefire config). */
  public static Path logFile() {
    return Path.of(System.getProperty("quarkus.log.file.path", "target/quarkus-test.log"));
  }

  public static List<String> logLines() {
    try {
      return Files.exists(logFile())
          ? Files.readAllLines(logFile(), StandardCharsets.UTF_8)
          : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until a log line contains every fragment, and returns the matching lines. */
  public static List<String> awaitLogLines(String... fragments) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                logLines().stream()
                    .filter(line -> List.of(fragments).stream().allMatch(line::contains))
                    .toList(),
            lines -> !lines.isEmpty());
  }

  public static String metrics() {
    return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
  }

  /**
   * The value of one Prometheus sample, e.g. {@code secrets_decrypt_failures_total{key_id="x"}}.
   */
  public static double metric(String nameAndLabels) {
    Matcher matcher =
        Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " ([0-9.Ee+-]+)$")
            .matcher(metrics());
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }
}
