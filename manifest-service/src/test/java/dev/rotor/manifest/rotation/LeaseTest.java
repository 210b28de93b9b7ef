package dev.rotor.manifest.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.manifest.support.GitServerResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The worker's leases on the real database: short, renewed while their owner works, and free for
 * the next instance once their owner stops renewing them (it was killed).
 */
@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    scope = TestResourceScope.MATCHING_RESOURCES,
    initArgs =
        @ResourceArg(
            name = KafkaResource.TOPICS,
            value =
                "rotor.keys,rotor.manifests,rotor.rollouts,rotor.verifications,rotor.approvals,"
                    + "rotor.dlq"))
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = GitServerResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class LeaseTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  @Inject RotationStore store;

  @Test
  void aRenewedLeaseStaysItsOwnersAndAnAbandonedOneIsTakenUpAfterItEnds() {
    // Far in the future, so that the application's own worker never sees it due.
    Instant due = Instant.now().plus(3650, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
    String rotation = insertDueRotation(due);

    List<RotationRecord> claimed = store.claimDueBatch(due, "instance-a", LEASE, 1000);
    assertThat(claimed).extracting(r -> r.rotationId).contains(rotation);

    // Instance a renews while it works: at the time its first lease would have ended, the
    // rotation is still its own.
    Instant renewedAt = due.plusSeconds(20);
    assertThat(store.renewLeases("instance-a", List.of(rotation), renewedAt.plus(LEASE)))
        .isEqualTo(1);
    assertThat(store.claimDueBatch(due.plusSeconds(40), "instance-b", LEASE, 1000))
        .extracting(r -> r.rotationId)
        .doesNotContain(rotation);

    // Another instance cannot renew what it does not hold.
    assertThat(store.renewLeases("instance-b", List.of(rotation), due.plusSeconds(3600))).isZero();

    // Instance a was killed and renews no more: one lease after its last renewal, b takes it up.
    assertThat(store.claimDueBatch(renewedAt.plus(LEASE).plusSeconds(1), "instance-b", LEASE, 1000))
        .extracting(r -> r.rotationId)
        .contains(rotation);
    assertThat(store.renewLeases("instance-a", List.of(rotation), due.plusSeconds(3600)))
        .as("the killed instance's lease is gone")
        .isZero();
  }

  private String insertDueRotation(Instant due) {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              RotationRecord r = new RotationRecord();
              r.rotationId = id;
              r.targetId = "lease-test/app-config";
              r.status = RotationStatus.PROPOSING;
              r.keyEventId = "lease-test-" + id;
              r.keyEvent = "{}";
              r.requestedBy = "alice";
              r.keyId = "0123abcd";
              r.fingerprint = "0".repeat(64);
              r.provider = "local";
              r.nextAttemptAt = due;
              r.createdAt = Instant.now();
              r.updatedAt = r.createdAt;
              r.persist();
            });
    return id;
  }
}
