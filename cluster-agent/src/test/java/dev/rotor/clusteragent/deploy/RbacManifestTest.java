package dev.rotor.clusteragent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rotor.common.plan.PolicyLoader;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every cluster's agent overlay ({@code deploy/k8s/overlays/cluster-agent-<cluster>} on the base
 * {@code deploy/k8s/cluster-agent}), as {@code kubectl kustomize} renders it, gives the agent what
 * it needs for the example policy on its cluster and nothing more: namespaced Roles only, named
 * Secrets and Deployments only, no verb beyond get, patch, list and watch.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("overlays")
class RbacManifestTest {
  private static final Path OVERLAYS = Paths.get("..", "deploy", "k8s", "overlays");
  private static final Path POLICY = Paths.get("..", "deploy", "policy", "rotor-policy.yaml");
  private static final Set<String> HARMLESS_VERBS = Set.of("get", "patch", "list", "watch");
  private static final String AGENT = "rotor-cluster-agent";
  private static final String VERIFIER = "rotor-verifier-reader";

  @Parameter String overlay;

  List<HasMetadata> objects;

  static List<String> overlays() throws Exception {
    try (Stream<Path> dirs = Files.list(OVERLAYS)) {
      List<String> names =
          dirs.map(d -> d.getFileName().toString())
              .filter(n -> n.startsWith("cluster-agent-"))
              .sorted()
              .toList();
      assertThat(names).as("cluster-agent overlays in %s", OVERLAYS).isNotEmpty();
      return names;
    }
  }

  @BeforeEach
  void render() throws Exception {
    objects = new ArrayList<>();
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (MappingIterator<JsonNode> documents =
        yaml.readerFor(JsonNode.class).readValues(kustomize(OVERLAYS.resolve(overlay)))) {
      while (documents.hasNext()) {
        objects.add(Serialization.unmarshal(documents.next().toString(), HasMetadata.class));
      }
    }
  }

  /** {@code kubectl kustomize <dir>}: the objects {@code kubectl apply -k <dir>} would apply. */
  private static String kustomize(Path directory) throws Exception {
    Process kubectl;
    try {
      kubectl =
          new ProcessBuilder("kubectl", "kustomize", directory.toString())
              .redirectErrorStream(true)
              .start();
    } catch (java.io.IOException e) {
      throw new AssertionError(
          "kubectl (with its built-in kustomize) is needed to render " + directory, e);
    }
    String output = new String(kubectl.getInputStream().readAllBytes());
    assertThat(kubectl.waitFor()).as("kubectl kustomize %s: %s", directory, output).isZero();
    return output;
  }

  @Test
  void theOverlayServesTheClusterItIsNamedAfter() {
    assertThat("cluster-agent-" + clusterOfTheDeployment()).isEqualTo(overlay);
  }

  @Test
  void theAgentGetsNoClusterWidePermission() {
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .doesNotContain("ClusterRole", "ClusterRoleBinding")
        .contains("Role", "RoleBinding", "ServiceAccount");
    assertThat(objects)
        .filteredOn(object -> !object.getKind().equals("Namespace"))
        .allSatisfy(object -> assertThat(object.getMetadata().getNamespace()).isNotBlank());
  }

  @Test
  void theRolesGrantExactlyWhatTheAgentNeedsForThePolicysTargetsOnItsCluster() {
    Map<String, List<PolicyRule>> expected =
        AgentRbac.targetRules(PolicyLoader.load(POLICY), clusterOfTheDeployment());
    expected = new java.util.TreeMap<>(expected);
    expected.put("rotor", AgentRbac.stateRules());

    Map<String, List<PolicyRule>> granted =
        roles().stream()
            .collect(Collectors.toMap(r -> r.getMetadata().getNamespace(), Role::getRules));

    assertThat(granted.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    expected.forEach(
        (namespace, rules) ->
            assertThat(normalized(granted.get(namespace)))
                .as("the Role in %s", namespace)
                .containsExactlyInAnyOrderElementsOf(normalized(rules)));
  }

  @Test
  void noRuleUsesAWildcardOrAVerbThatCreatesDeletesOrEscalates() {
    for (Role role : roles()) {
      for (PolicyRule rule : role.getRules()) {
        assertThat(rule.getVerbs()).isSubsetOf(HARMLESS_VERBS);
        assertThat(rule.getResources()).doesNotContain("*");
        assertThat(rule.getApiGroups()).doesNotContain("*");
        if (rule.getResources().stream()
            .anyMatch(
                r -> Set.of("secrets", "sealedsecrets", "deployments", "configmaps").contains(r))) {
          assertThat(rule.getResourceNames())
              .as(
                  "%s in %s names its objects",
                  rule.getResources(), role.getMetadata().getNamespace())
              .isNotEmpty();
        }
        if (rule.getResources().contains("secrets")) {
          // watch of a named Secret shows what get shows, as it changes; never list.
          assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "patch", "watch");
        }
      }
    }
  }

  @Test
  void everyBindingGivesItsRoleToTheAgentsServiceAccountOnly() {
    List<RoleBinding> bindings = bindings(AGENT);

    assertThat(bindings).hasSameSizeAs(roles());
    assertThat(bindings)
        .allSatisfy(
            binding -> {
              assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
              assertThat(binding.getSubjects())
                  .singleElement()
                  .satisfies(
                      subject -> {
                        assertThat(subject.getKind()).isEqualTo("ServiceAccount");
                        assertThat(subject.getName()).isEqualTo("rotor-cluster-agent");
                        assertThat(subject.getNamespace()).isEqualTo("rotor");
                      });
              assertThat(roles())
                  .anySatisfy(
                      role -> {
                        assertThat(role.getMetadata().getName())
                            .isEqualTo(binding.getRoleRef().getName());
                        assertThat(role.getMetadata().getNamespace())
                            .isEqualTo(binding.getMetadata().getNamespace());
                      });
            });
  }

  @Test
  void theVerifierMayOnlyReadWhereTheAgentActsAndNothingElse() {
    Map<String, List<PolicyRule>> agent =
        AgentRbac.targetRules(PolicyLoader.load(POLICY), clusterOfTheDeployment());
    List<Role> reader = roles(VERIFIER);

    assertThat(reader)
        .extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrderElementsOf(agent.keySet());
    for (Role role : reader) {
      String namespace = role.getMetadata().getNamespace();
      Set<String> secrets =
          agent.get(namespace).stream()
              .filter(r -> r.getResources().contains("secrets"))
              .flatMap(r -> r.getResourceNames().stream())
              .collect(Collectors.toSet());
      assertThat(normalized(role.getRules()))
          .as("the verifier's Role in %s (docs/verifier.md)", namespace)
          .containsExactlyInAnyOrder(
              "[] [secrets] " + secrets.stream().sorted().toList() + " [get]",
              "[apps] [deployments] [] [get]",
              "[] [pods, pods/log] [] [get, list]");
    }
    assertThat(bindings(VERIFIER))
        .hasSameSizeAs(reader)
        .allSatisfy(
            binding ->
                assertThat(binding.getSubjects())
                    .singleElement()
                    .satisfies(
                        subject -> {
                          assertThat(subject.getKind()).isEqualTo("ServiceAccount");
                          assertThat(subject.getName()).isEqualTo(VERIFIER);
                          assertThat(subject.getNamespace()).isEqualTo("rotor");
                        }));
  }

  @Test
  void theAgentRunsAsOneUnprivilegedReplicaThatIsNeverDoubled() {
    Deployment agent = deployment();

    assertThat(agent.getSpec().getReplicas()).isEqualTo(1);
    assertThat(agent.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(agent.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("rotor-cluster-agent");
    assertThat(agent.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
        .isTrue();
    var container = agent.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getEnv())
        .filteredOn(env -> env.getName().equals("ROTOR_CLUSTER_AGENT_GIT_PASSWORD"))
        .singleElement()
        .satisfies(env -> assertThat(env.getValueFrom().getSecretKeyRef()).isNotNull());
  }

  private List<Role> roles() {
    return roles(AGENT);
  }

  private List<Role> roles(String of) {
    return objects.stream()
        .filter(Role.class::isInstance)
        .map(Role.class::cast)
        .filter(r -> of.equals(r.getMetadata().getLabels().get("app.kubernetes.io/name")))
        .toList();
  }

  private List<RoleBinding> bindings(String of) {
    return objects.stream()
        .filter(RoleBinding.class::isInstance)
        .map(RoleBinding.class::cast)
        .filter(b -> of.equals(b.getMetadata().getLabels().get("app.kubernetes.io/name")))
        .toList();
  }

  private Deployment deployment() {
    return objects.stream()
        .filter(Deployment.class::isInstance)
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow();
  }

  private String clusterOfTheDeployment() {
    return deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(env -> env.getName().equals("ROTOR_CLUSTER_AGENT_CLUSTER"))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow();
  }

  private static List<String> normalized(List<PolicyRule> rules) {
    return rules.stream()
        .map(
            rule ->
                rule.getApiGroups().stream().sorted().toList()
                    + " "
                    + rule.getResources().stream().sorted().toList()
                    + " "
                    + (rule.getResourceNames() == null
                        ? List.of()
                        : rule.getResourceNames().stream().sorted().toList())
                    + " "
                    + rule.getVerbs().stream().sorted().toList())
        .toList();
  }
}
