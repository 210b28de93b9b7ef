package dev.rotor.clusteragent;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.rotor.clusteragent.scenario.AgentScenario;
import dev.rotor.clusteragent.scenario.AgentTestEnvironment;
import dev.rotor.testsupport.KafkaResource;
import dev.rotor.testsupport.ServiceEndpointsContract;
import dev.rotor.testsupport.kubernetes.KubernetesApiTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(
    value = KafkaResource.class,
    initArgs = @ResourceArg(name = KafkaResource.TOPICS, value = AgentScenario.TOPICS))
@WithTestResource(
    value = KubernetesApiTestResource.class,
    initArgs = @ResourceArg(name = KubernetesApiTestResource.SEALED_SECRETS, value = "true"))
@WithTestResource(AgentTestEnvironment.class)
class ClusterAgentEndpointsTest extends ServiceEndpointsContract {

  @Test
  void readinessReportsTheKubernetesApiAndTheAgentsState() {
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("checks.name", hasItem("kubernetes-api"))
        .body("checks.find { it.name == 'kubernetes-api' }.status", equalTo("UP"))
        .body(
            "checks.find { it.name == 'kubernetes-api' }.data.state",
            equalTo("rotor/rotor-cluster-agent-state"));
  }
}
