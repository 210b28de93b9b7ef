package dev.rotor.examples.secrets;

import dev.rotor.testsupport.PostgresResource;
import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = TestKeyringResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class SecretsServiceEndpointsTest extends ServiceEndpointsContract {}
