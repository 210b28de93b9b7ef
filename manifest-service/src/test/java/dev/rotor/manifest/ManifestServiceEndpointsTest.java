package dev.rotor.manifest;

import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class ManifestServiceEndpointsTest extends ServiceEndpointsContract {}
