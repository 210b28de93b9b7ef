package dev.rotor.clusteragent;

import dev.rotor.testsupport.ServiceEndpointsContract;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class ClusterAgentEndpointsTest extends ServiceEndpointsContract {}
