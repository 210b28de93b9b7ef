package dev.rotor.manifest;

import dev.rotor.manifest.support.GitServerResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Health (Kafka, PostgreSQL, the worker, the working copies) and metrics, like every service. */
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
class ManifestServiceEndpointsTest extends ServiceEndpointsContract {}
