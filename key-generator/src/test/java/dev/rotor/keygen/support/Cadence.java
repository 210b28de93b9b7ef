package dev.rotor.keygen.support;

import static org.awaitility.Awaitility.await;

import dev.rotor.common.event.EventEnvelope;
import dev.rotor.common.event.RotationDue;
import dev.rotor.common.event.RotationRequested;
import dev.rotor.common.event.Topics;
import dev.rotor.keygen.KeyGeneratorMetrics;
import dev.rotor.testsupport.KafkaTestClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;

/** What the cadence sent for a target, and waiting for its checks. */
public final class Cadence {
  private Cadence() {}

  /** Waits until the cadence ran {@code checks} more times (whole runs, over every target). */
  public static void awaitChecks(MeterRegistry registry, int checks) {
    double start = registry.counter(KeyGeneratorMetrics.CADENCE_CHECKS).count();
    await()
        .atMost(RotorEvents.TIMEOUT)
        .until(
            () -> registry.counter(KeyGeneratorMetrics.CADENCE_CHECKS).count() >= start + checks);
  }

  /** The reminders on rotor.keys for {@code target}. */
  public static List<RotationDue> reminders(KafkaTestClient kafka, String target) {
    return RotorEvents.events(
            kafka, Topics.KEYS, e -> e.data() instanceof RotationDue && target.equals(e.subject()))
        .stream()
        .map(e -> (RotationDue) e.data())
        .toList();
  }

  /** The reminders for {@code target} due at {@code dueAt}. */
  public static List<RotationDue> reminders(KafkaTestClient kafka, String target, Instant dueAt) {
    return reminders(kafka, target).stream().filter(d -> d.dueAt().equals(dueAt)).toList();
  }

  /** The rotation requests on rotor.requests for {@code target} from the key-generator. */
  public static List<EventEnvelope> requests(KafkaTestClient kafka, String target) {
    return RotorEvents.events(
        kafka,
        Topics.REQUESTS,
        e ->
            e.data() instanceof RotationRequested
                && target.equals(e.subject())
                && RotorEvents.KEY_GENERATOR.equals(e.source()));
  }

  /** Waits for the reminder of {@code target} due at {@code dueAt}. */
  public static RotationDue awaitReminder(KafkaTestClient kafka, String target, Instant dueAt) {
    return (RotationDue)
        RotorEvents.awaitEvents(
                kafka,
                Topics.KEYS,
                e ->
                    e.data() instanceof RotationDue due
                        && target.equals(due.targetId())
                        && due.dueAt().equals(dueAt),
                1)
            .get(0)
            .data();
  }

  /** Waits for the request of the rotation {@code rotationId}, and returns its event. */
  public static EventEnvelope awaitRequest(KafkaTestClient kafka, String rotationId) {
    return RotorEvents.awaitEvents(
            kafka,
            Topics.REQUESTS,
            e -> e.data() instanceof RotationRequested && rotationId.equals(e.rotationId()),
            1)
        .get(0);
  }
}
