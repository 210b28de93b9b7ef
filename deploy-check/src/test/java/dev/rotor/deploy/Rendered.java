package dev.rotor.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** One kustomization, rendered by kubectl and parsed strictly; rendered once per test run. */
record Rendered(Path directory, List<JsonNode> documents, List<HasMetadata> objects) {
  private static final Map<Path, Rendered> CACHE = new ConcurrentHashMap<>();

  static Rendered of(Path directory) {
    return CACHE.computeIfAbsent(
        directory.toAbsolutePath().normalize(),
        dir -> {
          List<JsonNode> documents = Repo.render(dir);
          List<HasMetadata> objects = new ArrayList<>();
          for (JsonNode document : documents) {
            objects.add(StrictModel.parse(document, Repo.ROOT.relativize(dir).toString()));
          }
          return new Rendered(dir, documents, objects);
        });
  }

  String name() {
    return Repo.ROOT.relativize(directory).toString();
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  List<HasMetadata> kind(String kind) {
    return objects.stream().filter(o -> o.getKind().equals(kind)).toList();
  }

  List<Deployment> deployments() {
    return all(Deployment.class);
  }

  Optional<ConfigMap> configMap(String name) {
    return all(ConfigMap.class).stream()
        .filter(c -> c.getMetadata().getName().equals(name))
        .findFirst();
  }
}
