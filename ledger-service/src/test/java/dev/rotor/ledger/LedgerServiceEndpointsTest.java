package dev.rotor.ledger;

import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class LedgerServiceEndpointsTest extends ServiceEndpointsContract {}
