package dev.rotor.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kustomization under deploy/ renders, and everything it renders is a valid object. */
class RenderTest {
  static Stream<Path> kustomizations() throws Exception {
    return Repo.kustomizations().stream();
  }

  @Test
  void theKustomizationsAreTheOnesDocsDeployDescribes() throws Exception {
    assertThat(Repo.kustomizations().stream().map(d -> Repo.ROOT.relativize(d).toString()))
        .contains(
            "deploy/policy",
            "deploy/k8s/common",
            "deploy/k8s/base",
            "deploy/k8s/cluster-agent",
            "deploy/k8s/overlays/cluster-agent-aether-staging",
            "deploy/k8s/overlays/cluster-agent-aether-production",
            "deploy/k8s/topics",
            "deploy/k8s/monitoring",
            "deploy/gitops-example/deploy/k8s/base/aether-services");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizations")
  void rendersIntoObjectsTheKubernetesModelKnowsFieldByField(Path directory) throws Exception {
    Rendered rendered = Rendered.of(directory);
    boolean applicable = Repo.applicable().contains(directory);

    assertThat(rendered.objects()).as(rendered.name()).isNotEmpty();
    for (HasMetadata object : rendered.objects()) {
      assertThat(object.getMetadata().getName())
          .as("%s: a %s's name", rendered.name(), object.getKind())
          .isNotBlank();
      if (applicable && StrictModel.isModelled(object) && !object.getKind().equals("Namespace")) {
        assertThat(object.getMetadata().getNamespace())
            .as(
                "%s: %s %s names its namespace",
                rendered.name(), object.getKind(), object.getMetadata().getName())
            .isNotBlank();
      }
    }
    assertThat(
            rendered.objects().stream()
                .filter(o -> !StrictModel.isModelled(o))
                .map(HasMetadata::getApiVersion))
        .as(
            "%s: custom resources are only Strimzi's, the Prometheus Operator's and (in the GitOps"
                + " example) SealedSecrets",
            rendered.name())
        .allMatch(
            v ->
                List.of(
                        "kafka.strimzi.io/v1beta2",
                        "monitoring.coreos.com/v1",
                        "bitnami.com/v1alpha1")
                    .contains(v));
  }

  @Test
  void partsAreAppliedThroughTheKustomizationsThatIncludeThem() throws Exception {
    assertThat(Repo.applicable().stream().map(d -> Repo.ROOT.relativize(d).toString()))
        .containsExactlyInAnyOrder(
            "deploy/k8s/base",
            "deploy/k8s/overlays/cluster-agent-aether-staging",
            "deploy/k8s/overlays/cluster-agent-aether-production",
            "deploy/k8s/topics",
            "deploy/k8s/monitoring",
            "deploy/gitops-example/deploy/k8s/base/aether-services");
  }

  @Test
  void aMisspeltFieldIsRefused() {
    String deployment =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: x, namespace: rotor}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
                - name: c
                  image: i
                  readinesProbe: {httpGet: {path: /q/health/ready, port: http}}
        """;

    assertThatThrownBy(() -> StrictModel.parse(Repo.documents(deployment).get(0), "test"))
        .hasMessageContaining("Deployment x")
        .hasMessageContaining("spec.template.spec.containers[0].readinesProbe");
  }
}
