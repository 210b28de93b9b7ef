package dev.rotor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Deployment the kustomizations render: its configuration is made of real keys, its Secrets
 * are the documented ones, and Rotor's own services run as docs/deploy.md promises (probes on
 * /q/health, non-root, read-only root filesystem with writable emptyDirs where they write).
 */
class DeploymentsTest {
  /** Directories a service writes to (everything else it is given is read only). */
  private static final Set<String> WRITTEN =
      Set.of("rotor.manifest-service.cache-dir", "rotor.cluster-agent.git.cache-directory");

  static Stream<Path> kustomizationsWithDeployments() throws Exception {
    return Repo.applicable().stream().filter(dir -> !Rendered.of(dir).deployments().isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizationsWithDeployments")
  void everySettingIsARealKeyOfTheService(Path directory) {
    Rendered rendered = Rendered.of(directory);
    for (Deployment deployment : rendered.deployments()) {
      for (Container container : pod(deployment).getContainers()) {
        ConfigKeys keys = ConfigKeys.of(container.getName());
        for (EnvVar env : Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
          assertThat(keys.environment(env.getName()))
              .as(
                  "%s: env %s of %s is no configuration key of %s (its application.properties,"
                      + " %s, or a documented Quarkus key)",
                  rendered.name(),
                  env.getName(),
                  deployment.getMetadata().getName(),
                  container.getName(),
                  keys.service().doc())
              .isPresent();
        }
        settings(rendered, deployment, container)
            .forEach(
                (file, properties) ->
                    properties
                        .stringPropertyNames()
                        .forEach(
                            name ->
                                assertThat(keys.property(name))
                                    .as(
                                        "%s: %s in %s is no configuration key of %s (%s)",
                                        rendered.name(),
                                        name,
                                        file,
                                        container.getName(),
                                        keys.service().doc())
                                    .isPresent()));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizationsWithDeployments")
  void rotorsServicesRunHardenedWithProbesOnQuarkusHealth(Path directory) {
    Rendered rendered = Rendered.of(directory);
    for (Deployment deployment : rotors(rendered)) {
      String what = rendered.name() + ": Deployment " + deployment.getMetadata().getName();
      PodSpec pod = pod(deployment);
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("%s runAsNonRoot", what).isTrue();
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .as("%s seccomp", what)
          .isEqualTo("RuntimeDefault");
      assertThat(pod.getContainers()).as(what).hasSize(1);
      Container c = pod.getContainers().get(0);
      ConfigKeys.Service service = ConfigKeys.SERVICES.get(c.getName());
      Properties defaults = ConfigKeys.applicationProperties(service);

      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem())
          .as("%s read-only root", what)
          .isTrue();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(what).isFalse();
      assertThat(c.getSecurityContext().getCapabilities().getDrop())
          .as(what)
          .containsExactly("ALL");
      assertThat(c.getResources().getRequests())
          .as("%s requests", what)
          .containsKeys("cpu", "memory");
      assertThat(c.getResources().getLimits()).as("%s limits", what).containsKey("memory");
      assertThat(c.getImage())
          .as("%s image", what)
          .isEqualTo("rotor/" + c.getName() + ":" + System.getProperty("rotor.project.version"));
      assertThat(c.getEnvFrom())
          .as("%s: every variable is named (no envFrom)", what)
          .isNullOrEmpty();

      int port = Integer.parseInt(defaults.getProperty("quarkus.http.port"));
      assertThat(c.getPorts())
          .as("%s port", what)
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.getName()).isEqualTo("http");
                assertThat(p.getContainerPort()).isEqualTo(port);
              });
      assertProbe(what + " readiness", c.getReadinessProbe(), "/q/health/ready");
      assertProbe(what + " liveness", c.getLivenessProbe(), "/q/health/live");
      assertProbe(what + " startup", c.getStartupProbe(), "/q/health/started");

      Map<String, Volume> volumes = new LinkedHashMap<>();
      pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
      for (VolumeMount mount : c.getVolumeMounts()) {
        assertThat(volumes)
            .as("%s: volume of mount %s", what, mount.getMountPath())
            .containsKey(mount.getName());
      }
      assertThat(emptyDirAt(c, volumes, "/tmp"))
          .as("%s: /tmp is a writable emptyDir", what)
          .isTrue();

      // Every file or folder the configuration names is mounted; written folders are emptyDirs.
      Map<String, String> values = new LinkedHashMap<>();
      settings(rendered, deployment, c)
          .values()
          .forEach(p -> p.stringPropertyNames().forEach(n -> values.put(n, p.getProperty(n))));
      for (EnvVar env : c.getEnv()) {
        if (env.getValue() != null) {
          ConfigKeys.of(c.getName())
              .environment(env.getName())
              .ifPresent(k -> values.put(k, env.getValue()));
        }
      }
      values.forEach(
          (key, value) -> {
            for (String path : value.split(",")) {
              if (!path.startsWith("/")) {
                continue;
              }
              assertThat(mountOf(c, path))
                  .as("%s: %s=%s is on a mounted volume", what, key, path)
                  .isPresent();
              if (WRITTEN.contains(key)) {
                assertThat(emptyDirAt(c, volumes, path))
                    .as("%s: %s=%s is a writable emptyDir", what, key, path)
                    .isTrue();
              }
            }
          });
      for (String written : WRITTEN) {
        if (written.startsWith(service.prefix())) {
          assertThat(values)
              .as("%s sets %s to a folder it may write", what, written)
              .containsKey(written);
        }
      }

      // The Service in front of it.
      assertThat(rendered.all(Service.class))
          .as("%s has a Service", what)
          .anySatisfy(
              s -> {
                assertThat(s.getSpec().getSelector())
                    .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
                assertThat(s.getSpec().getPorts())
                    .singleElement()
                    .satisfies(
                        p -> {
                          assertThat(p.getPort()).isEqualTo(port);
                          assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
                        });
              });
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizationsWithDeployments")
  void everySecretAndConfigMapItNeedsIsDocumentedOrRendered(Path directory) {
    Rendered rendered = Rendered.of(directory);
    Map<String, List<String>> documented = Secrets.documented();
    for (Deployment deployment : rotors(rendered)) {
      String what = rendered.name() + ": Deployment " + deployment.getMetadata().getName();
      PodSpec pod = pod(deployment);
      for (EnvVar env : pod.getContainers().get(0).getEnv()) {
        if (env.getValueFrom() == null) {
          continue;
        }
        var ref = env.getValueFrom().getSecretKeyRef();
        assertThat(ref).as("%s: %s comes from a Secret", what, env.getName()).isNotNull();
        assertThat(documented)
            .as(
                "%s: Secret %s (for %s) is in docs/deploy.md's Secrets table",
                what, ref.getName(), env.getName())
            .containsKey(ref.getName());
        assertThat(documented.get(ref.getName()))
            .as("%s: keys of Secret %s", what, ref.getName())
            .contains(ref.getKey());
      }
      for (Volume volume : pod.getVolumes()) {
        if (volume.getSecret() != null) {
          String name = volume.getSecret().getSecretName();
          assertThat(documented).as("%s: Secret %s is documented", what, name).containsKey(name);
          if (volume.getSecret().getItems() != null) {
            volume
                .getSecret()
                .getItems()
                .forEach(
                    i ->
                        assertThat(documented.get(name))
                            .as("%s: keys of Secret %s", what, name)
                            .contains(i.getKey()));
          }
        }
        for (String configMap : configMaps(volume)) {
          assertThat(rendered.configMap(configMap))
              .as("%s: ConfigMap %s is rendered with it", what, configMap)
              .isPresent();
        }
      }
    }
  }

  @Test
  void everyDocumentedSecretIsUsedWithTheDocumentedKeys() throws Exception {
    Map<String, Set<String>> used = new LinkedHashMap<>();
    for (Path directory : Repo.applicable()) {
      for (Deployment deployment : rotors(Rendered.of(directory))) {
        PodSpec pod = pod(deployment);
        for (EnvVar env : pod.getContainers().get(0).getEnv()) {
          if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
            var ref = env.getValueFrom().getSecretKeyRef();
            used.computeIfAbsent(ref.getName(), n -> new java.util.TreeSet<>()).add(ref.getKey());
          }
        }
        for (Volume volume : pod.getVolumes()) {
          if (volume.getSecret() != null) {
            Set<String> keys =
                used.computeIfAbsent(
                    volume.getSecret().getSecretName(), n -> new java.util.TreeSet<>());
            if (volume.getSecret().getItems() != null) {
              volume.getSecret().getItems().forEach(i -> keys.add(i.getKey()));
            }
          }
        }
      }
    }
    Map<String, List<String>> documented = Secrets.documented();

    assertThat(documented.keySet())
        .as("the Secrets docs/deploy.md lists are the ones the Deployments use")
        .containsExactlyInAnyOrderElementsOf(used.keySet());
    used.forEach(
        (secret, keys) ->
            assertThat(documented.get(secret))
                .as("keys of %s in docs/deploy.md", secret)
                .containsAll(keys));
  }

  private static void assertProbe(String what, Probe probe, String path) {
    assertThat(probe).as(what).isNotNull();
    HTTPGetAction get = probe.getHttpGet();
    assertThat(get).as(what).isNotNull();
    assertThat(get.getPath()).as(what).isEqualTo(path);
    assertThat(get.getPort().getStrVal()).as(what).isEqualTo("http");
  }

  private static PodSpec pod(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec();
  }

  private static List<Deployment> rotors(Rendered rendered) {
    return rendered.deployments().stream()
        .filter(d -> "rotor".equals(d.getMetadata().getLabels().get("app.kubernetes.io/part-of")))
        .toList();
  }

  private static List<String> configMaps(Volume volume) {
    List<String> names = new ArrayList<>();
    if (volume.getConfigMap() != null) {
      names.add(volume.getConfigMap().getName());
    }
    if (volume.getProjected() != null) {
      for (VolumeProjection source : volume.getProjected().getSources()) {
        if (source.getConfigMap() != null) {
          names.add(source.getConfigMap().getName());
        }
      }
    }
    return names;
  }

  private static Optional<VolumeMount> mountOf(Container c, String path) {
    return Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of()).stream()
        .filter(m -> path.equals(m.getMountPath()) || path.startsWith(m.getMountPath() + "/"))
        .findFirst();
  }

  private static boolean emptyDirAt(Container c, Map<String, Volume> volumes, String path) {
    return mountOf(c, path)
        .map(m -> volumes.get(m.getName()))
        .map(v -> v.getEmptyDir() != null)
        .orElse(false);
  }

  /**
   * The properties files the container reads through quarkus.config.locations, from the rendered
   * ConfigMaps mounted where the locations point.
   */
  private static Map<String, Properties> settings(
      Rendered rendered, Deployment deployment, Container c) {
    Map<String, Properties> files = new LinkedHashMap<>();
    Optional<String> locations =
        Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()).stream()
            .filter(e -> e.getName().equals("QUARKUS_CONFIG_LOCATIONS"))
            .map(EnvVar::getValue)
            .findFirst();
    if (locations.isEmpty()) {
      return files;
    }
    Map<String, Volume> volumes = new LinkedHashMap<>();
    pod(deployment).getVolumes().forEach(v -> volumes.put(v.getName(), v));
    for (String location : locations.get().split(",")) {
      String what =
          rendered.name() + ": " + deployment.getMetadata().getName() + " reads " + location;
      VolumeMount mount =
          mountOf(c, location)
              .orElseThrow(() -> new AssertionError(what + ", which is not mounted"));
      String file = location.substring(mount.getMountPath().length() + 1);
      String text =
          configMaps(volumes.get(mount.getName())).stream()
              .map(
                  name ->
                      rendered.configMap(name).map(ConfigMap::getData).orElse(Map.of()).get(file))
              .filter(Objects::nonNull)
              .findFirst()
              .orElseThrow(() -> new AssertionError(what + ", which no mounted ConfigMap holds"));
      files.put(location, ConfigKeys.properties(text, what));
    }
    return files;
  }
}
