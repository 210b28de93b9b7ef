package dev.rotor.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The repository's files and the tools that check them: kubectl (kustomize) and promtool. */
final class Repo {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DEPLOY = ROOT.resolve("deploy");
  static final Path K8S = DEPLOY.resolve("k8s");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  private Repo() {}

  /** Every directory under deploy/ that holds a kustomization.yaml. */
  static List<Path> kustomizations() throws IOException {
    try (Stream<Path> files = Files.walk(DEPLOY)) {
      return files
          .filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
          .map(Path::getParent)
          .sorted()
          .toList();
    }
  }

  /**
   * The kustomizations one applies: those no other kustomization includes as a resource (the
   * others, like deploy/policy or deploy/k8s/base/notifier, are parts of them).
   */
  static List<Path> applicable() throws IOException {
    java.util.Set<Path> included = new java.util.HashSet<>();
    for (Path dir : kustomizations()) {
      JsonNode resources =
          YAML.readTree(dir.resolve("kustomization.yaml").toFile()).path("resources");
      resources.forEach(r -> included.add(dir.resolve(r.asText()).normalize()));
    }
    return kustomizations().stream().filter(d -> !included.contains(d)).toList();
  }

  /** {@code kubectl kustomize <dir>}: what {@code kubectl apply -k <dir>} would apply. */
  static List<JsonNode> render(Path directory) {
    checkKustomizeVersion();
    String output = run(List.of("kubectl", "kustomize", directory.toString()), "kubectl");
    return documents(output);
  }

  private static volatile boolean versionChecked;

  /** The manifests use kustomize v5 features (labels, inline patches); older ones misrender. */
  private static void checkKustomizeVersion() {
    if (versionChecked) {
      return;
    }
    String version = run(List.of("kubectl", "version", "--client"), "kubectl");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("Kustomize Version: v(\\d+)").matcher(version);
    if (!m.find() || Integer.parseInt(m.group(1)) < 5) {
      throw new AssertionError(
          "deploy-check needs kubectl 1.27 or newer (built-in kustomize v5); this one says: "
              + version.strip());
    }
    versionChecked = true;
  }

  static List<JsonNode> documents(String yaml) {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode node = it.next();
        if (node != null && !node.isNull() && !node.isMissingNode()) {
          documents.add(node);
        }
      }
    } catch (IOException e) {
      throw new AssertionError("not YAML: " + e.getMessage(), e);
    }
    return documents;
  }

  /**
   * Runs a tool, fails with its output when it exits non-zero, and says what to install when it is
   * missing (CI installs both: .ci/run).
   */
  static String run(List<String> command, String tool) {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          tool
              + " is not on the PATH: deploy-check needs it ("
              + ("kubectl".equals(tool)
                  ? "kubectl with its built-in kustomize, v1.14 or newer"
                  : "promtool, from Debian's prometheus package")
              + "; .ci/run installs it)",
          e);
    }
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
      assertThat(process.exitValue())
          .as("%s failed:%n%s", String.join(" ", command), output)
          .isZero();
      return output;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The temporary folder of this build (target/), for files the tools read. */
  static Path scratch(String name) throws IOException {
    Path dir =
        Path.of(System.getProperty("rotor.test.tmpdir", "target"))
            .resolve("deploy-check")
            .resolve(name);
    Files.createDirectories(dir);
    return dir;
  }
}
