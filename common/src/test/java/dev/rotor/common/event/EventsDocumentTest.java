package dev.rotor.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** docs/events.md is the catalogue people read: it must name every type, field and reason code. */
class EventsDocumentTest {
  private static final Path DOC = Path.of("../docs/events.md");

  @ParameterizedTest
  @EnumSource(EventType.class)
  void theCatalogueDescribesEveryEventTypeWithAllItsFields(EventType type) throws IOException {
    String section = section(type.eventName());

    assertThat(section)
        .contains("`" + type.cloudEventType() + "`")
        .contains("`" + type.dataClass().getSimpleName() + "`");
    for (String topic : type.topics()) {
      assertThat(section).contains(topic);
    }
    for (RecordComponent field : type.dataClass().getRecordComponents()) {
      assertThat(section).as("field %s", field.getName()).contains("`" + field.getName() + "`");
    }
  }

  @ParameterizedTest
  @MethodSource("reasonCodes")
  void theCatalogueListsEveryReasonCode(Enum<?> code) throws IOException {
    assertThat(Files.readString(DOC)).contains("`" + code.name() + "`");
  }

  static Stream<Enum<?>> reasonCodes() {
    return Stream.of(
            Reasons.Rejection.values(),
            Reasons.Rollout.values(),
            Reasons.Verification.values(),
            Reasons.RotationFailure.values(),
            Reasons.Verdict.values(),
            EventDecodingException.Reason.values())
        .flatMap(Arrays::stream);
  }

  private static String section(String eventName) throws IOException {
    String doc = Files.readString(DOC);
    int start = doc.indexOf("\n### " + eventName + "\n");
    assertThat(start).as("section for %s in %s", eventName, DOC).isGreaterThanOrEqualTo(0);
    int end = doc.indexOf("\n#", start + 5);
    return doc.substring(start, end < 0 ? doc.length() : end);
  }
}
