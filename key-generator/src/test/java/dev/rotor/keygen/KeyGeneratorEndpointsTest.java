package dev.rotor.keygen;

import dev.rotor.keygen.support.RotorEvents;
import dev.rotor.keygen.support.TestPolicy;
import dev.rotor.keygen.support.TestPolicyResource;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = RotorEvents.ALL_TOPICS))
@WithTestResource(PostgresResource.class)
@WithTestResource(
    value = TestPolicyResource.class,
    initArgs = @ResourceArg(name = TestPolicyResource.VARIANT, value = TestPolicy.MAIN))
class KeyGeneratorEndpointsTest extends ServiceEndpointsContract {}
