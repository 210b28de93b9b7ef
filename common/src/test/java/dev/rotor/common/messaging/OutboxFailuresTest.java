package dev.rotor.common.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.common.event.EventDecodingException;
import dev.rotor.common.messaging.OutboxFailures.Kind;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

class OutboxFailuresTest {

  @Test
  void aRecordKafkaRefusesOrAnEventThatDoesNotDecodeIsPermanentWhereverItIsInTheCauses() {
    assertThat(
            OutboxFailures.classify(
                new CompletionException(new RecordTooLargeException("the message is 2 MB"))))
        .isEqualTo(Kind.PERMANENT);
    assertThat(OutboxFailures.classify(new InvalidRecordException("bad header")))
        .isEqualTo(Kind.PERMANENT);
    assertThat(
            OutboxFailures.classify(
                new KafkaException("send failed", new SerializationException("cannot serialize"))))
        .isEqualTo(Kind.PERMANENT);
    assertThat(
            OutboxFailures.classify(
                new EventDecodingException(
                    EventDecodingException.Reason.NOT_JSON, "data", "is not JSON")))
        .isEqualTo(Kind.PERMANENT);
  }

  @Test
  void aBrokerOrDatabaseThatIsAwayOrRefusesEveryRowIsTransient() {
    assertThat(OutboxFailures.classify(new TimeoutException("metadata not available")))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(OutboxFailures.classify(new NotLeaderOrFollowerException("moved")))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(OutboxFailures.classify(new java.util.concurrent.TimeoutException()))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(OutboxFailures.classify(new TopicAuthorizationException("no ACL")))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(OutboxFailures.classify(new RuntimeException(new SQLException("gone", "08006"))))
        .isEqualTo(Kind.TRANSIENT);
  }

  @Test
  void aClosedOrCancelledSenderOrAWrongTopicIsTransientForItRefusesEveryRowAlike() {
    assertThat(
            OutboxFailures.classify(
                new IllegalStateException("SRMSG00017: the subscription has been cancelled")))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(
            OutboxFailures.classify(
                new IllegalStateException(
                    "Cannot perform operation after producer has been closed")))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(
            OutboxFailures.classify(
                new CompletionException(
                    new KafkaException("Producer closed while send in progress"))))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(OutboxFailures.classify(new InvalidTopicException("rotor verifications")))
        .isEqualTo(Kind.TRANSIENT);
    assertThat(OutboxFailures.classify(new UnsupportedVersionException("old broker")))
        .isEqualTo(Kind.TRANSIENT);
  }

  @Test
  void anythingElseIsUnknownAndCountedByTheSender() {
    assertThat(OutboxFailures.classify(new KafkaException("something"))).isEqualTo(Kind.UNKNOWN);
    assertThat(OutboxFailures.classify(new NullPointerException())).isEqualTo(Kind.UNKNOWN);
  }

  @Test
  void anUnknownFailureQuarantinesOnlyWhenItRepeatedEnoughTimesAndTheFirstIsOldEnough() {
    Instant first = Instant.parse("2024-05-01T10:00:00Z");
    Duration fiveMinutes = Duration.ofMinutes(5);

    // Many quick failures: not yet.
    assertThat(OutboxFailures.exhausted(50, 10, first, fiveMinutes, first.plusSeconds(20)))
        .isFalse();
    // Old enough, but too few.
    assertThat(OutboxFailures.exhausted(9, 10, first, fiveMinutes, first.plusSeconds(3600)))
        .isFalse();
    // Both.
    assertThat(OutboxFailures.exhausted(10, 10, first, fiveMinutes, first.plus(fiveMinutes)))
        .isTrue();
    // No minimum time: the count alone.
    assertThat(OutboxFailures.exhausted(10, 10, first, Duration.ZERO, first)).isTrue();
    // A first failure not recorded counts as now.
    assertThat(OutboxFailures.exhausted(10, 10, null, fiveMinutes, first)).isFalse();
    assertThat(OutboxFailures.exhausted(10, 10, null, Duration.ZERO, first)).isTrue();
  }

  @Test
  void theDescriptionNamesTheDeepestCauseAndIsCut() {
    assertThat(
            OutboxFailures.describe(
                new CompletionException(new RecordTooLargeException("too large"))))
        .isEqualTo("RecordTooLargeException: too large");
    assertThat(OutboxFailures.describe(new IllegalStateException("x".repeat(2000))))
        .hasSize(OutboxFailures.MAX_REASON_LENGTH);
  }
}
