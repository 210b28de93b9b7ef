package dev.rotor.verifier;

import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class VerifierEndpointsTest extends ServiceEndpointsContract {}
