package dev.rotor.notifier.config;

import static dev.rotor.notifier.NotifierTestSetup.TIMEOUT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.EventType;
import dev.rotor.notifier.NotifierTestSetup;
import dev.rotor.notifier.TestEvents;
import dev.rotor.notifier.slack.FakeSlack;
import dev.rotor.notifier.slack.FakeSlack.Answer;
import dev.rotor.notifier.slack.FakeSlackResource;
import dev.rotor.notifier.slack.InjectFakeSlack;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.KafkaTestClient;
import dev.rotor.testsupport.PostgresResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bot token never leaves the Authorization header: not in a log line (from start-up on, at
 * DEBUG), a dead-letter record or a database row, even when Slack refuses it.
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = NotifierTestSetup.TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(FakeSlackResource.class)
class SecretsStayOutOfLogsTest {

  @InjectFakeSlack FakeSlack slack;

  @Inject AgroalDataSource dataSource;

  @AfterEach
  void endScriptedTrouble() {
    slack.reset();
  }

  @Test
  void neverWritesTheBotTokenToLogsDeadLettersOrTheDatabase() throws SQLException {
    String rotation = TestEvents.newRotationId();
    EventEnvelope refused = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope held = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    EventEnvelope retried = TestEvents.of(EventType.KEY_GENERATED, rotation);
    EventEnvelope delivered = TestEvents.of(EventType.ROTATION_REQUESTED, rotation);
    slack.answer(body -> body.toString().contains(refused.id()), 1, Answer.error("invalid_blocks"));
    slack.answer(body -> body.toString().contains(held.id()), 1, Answer.error("invalid_auth"));
    slack.answer(body -> body.toString().contains(retried.id()), 1, Answer.serverError(502));

    try (KafkaTestClient client = new KafkaTestClient()) {
      TestEvents.produce(client, refused);
      TestEvents.produce(client, held);
      TestEvents.produce(client, retried);
      TestEvents.produce(client, delivered);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(delivered.id()).size() == 1);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(retried.id()).size() == 1);
      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(held.id()).size() == 1);
      NotifierTestSetup.deadLetterOf(client, refused.id());

      String token = slack.token();
      assertThat(slack.requestsMentioning(delivered.id()))
          .as("the token is what the notifier sends to Slack")
          .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer " + token));

      String logs = NotifierTestSetup.logText();
      assertThat(logs)
          .as("the log file holds the refusal and the retry, so this test can see them")
          .contains("ROTOR-6006")
          .contains("invalid_blocks")
          .contains("ROTOR-6024")
          .contains("invalid_auth")
          .contains("ROTOR-6004")
          .contains("ROTOR-6001");
      assertThat(logs).doesNotContain(token).doesNotContain(token.substring(5));

      for (ConsumerRecord<byte[], byte[]> record : client.readAll("rotor.dlq")) {
        assertThat(new String(record.value(), UTF_8)).doesNotContain(token);
        StreamSupport.stream(record.headers().spliterator(), false)
            .forEach(h -> assertThat(new String(h.value(), UTF_8)).doesNotContain(token));
      }
      assertThat(allRows()).isNotEmpty().noneMatch(row -> row.contains(token));
    }
  }

  @Test
  void aTokenFileRewrittenWithALineBreakIsRefusedByNameAndTheLastGoodTokenGoesOn()
      throws Exception {
    Path file =
        Path.of(
            ConfigProvider.getConfig().getValue("rotor.notifier.slack.token-file", String.class));
    String good = Files.readString(file, UTF_8);
    String token = slack.token();
    EventEnvelope event = TestEvents.of(EventType.ROTATION_REQUESTED, TestEvents.newRotationId());
    try (KafkaTestClient client = new KafkaTestClient()) {
      Files.writeString(file, token + "\nxoxb-pasted-twice-" + token.substring(5) + "\n", UTF_8);
      Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));

      TestEvents.produce(client, event);

      await().atMost(TIMEOUT).until(() -> slack.messagesMentioning(event.id()).size() == 1);
      assertThat(slack.requestsMentioning(event.id()))
          .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer " + token));
      await().atMost(TIMEOUT).until(() -> NotifierTestSetup.logText().contains("ROTOR-6013"));
      String logs = NotifierTestSetup.logText();
      assertThat(logs)
          .contains(
              "ROTOR-6013 rotor.notifier.slack.token-file: "
                  + file
                  + " changed and holds spaces or control characters");
      assertThat(logs).doesNotContain(token.substring(5)).doesNotContain("xoxb-pasted-twice");
    } finally {
      Files.writeString(file, good, UTF_8);
      Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(120)));
    }
  }

  private List<String> allRows() throws SQLException {
    List<String> rows = new java.util.ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String table : List.of("notifier_delivery", "notifier_thread", "notifier_rotation")) {
        try (ResultSet rs = statement.executeQuery("select * from " + table)) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            StringBuilder row = new StringBuilder(table);
            for (int i = 1; i <= columns; i++) {
              row.append('|').append(rs.getString(i));
            }
            rows.add(row.toString());
          }
        }
      }
    }
    return rows;
  }
}
