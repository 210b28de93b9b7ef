package dev.rotor.keygenerator;

import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class KeyGeneratorEndpointsTest extends ServiceEndpointsContract {}
