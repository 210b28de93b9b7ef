package dev.rotor.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import dev.rotor.testsupport.PostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The images the build pushed (-Pimages with a registry): read back from the registry through its
 * HTTP API, exported to an image tarball with Jib, checked (entrypoint, non-root user, port,
 * working directory, every file of the application in its layers), and run: each image's layers
 * unpacked into a root file system and its entrypoint started there (util-linux {@code unshare
 * --root}) as the image's user, which is what a container runtime does minus network, PID and
 * cgroup isolation.
 */
class ImagesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final Path WORK =
      Path.of(System.getProperty("rotor.test.tmpdir", "target")).resolve("images");
  private static String registry;

  @BeforeAll
  static void registry() {
    registry = System.getProperty("rotor.images.registry", "");
    assumeTrue(
        !registry.isBlank() && !registry.startsWith("${") && !registry.equals("docker.io"),
        "no registry to read the images from (-Dquarkus.container-image.registry=<host:port>)");
  }

  static List<RotorApp> apps() {
    return RotorApp.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("apps")
  void imageHoldsTheApplicationAndRunsAsNonRoot(RotorApp app) throws Exception {
    String repository = app.image();
    JsonNode manifest = manifest(repository);
    JsonNode config = JSON.readTree(blob(repository, manifest.at("/config/digest").asText()));
    JsonNode container = config.get("config");

    String user = container.path("User").asText();
    assertThat(user).as("user").isNotBlank().isNotIn("0", "root", "0:0");
    List<String> entrypoint = new ArrayList<>();
    container.path("Entrypoint").forEach(e -> entrypoint.add(e.asText()));
    if (app.module().equals("examples/load-generator")) {
      assertThat(entrypoint)
          .startsWith("java")
          .endsWith("dev.rotor.examples.load.LoadGeneratorMain");
    } else {
      assertThat(container.path("WorkingDir").asText()).isEqualTo("/home/jboss");
      assertThat(entrypoint).startsWith("java").endsWith("-jar", "quarkus-run.jar");
    }
    app.port()
        .ifPresent(
            port ->
                assertThat(fieldNames(container.path("ExposedPorts")))
                    .as("exposed ports")
                    .containsExactly(port + "/tcp"));

    Path root = WORK.resolve(app.image().replace('/', '-')).resolve("rootfs");
    deleteRecursively(root);
    Files.createDirectories(root);
    for (JsonNode layer : manifest.get("layers")) {
      extract(blob(repository, layer.get("digest").asText()), root);
    }
    if (!app.module().equals("examples/load-generator")) {
      assertSameFiles(
          RotorApp.root().resolve(app.module()).resolve(RotorApp.target()).resolve("quarkus-app"),
          root.resolve("home/jboss"));
    }

    // The same image as a tarball (docker load -i / podman load -i), exported by Jib.
    Path tarball = WORK.resolve(app.image().replace('/', '-') + ".tar");
    Jib.from(RegistryImage.named(registry + "/" + repository + ":" + RotorApp.version()))
        .containerize(
            Containerizer.to(
                    TarImage.at(tarball)
                        .named("docker.io/" + repository + ":" + RotorApp.version()))
                .setAllowInsecureRegistries(true));
    assertThat(tarball).isNotEmptyFile();
  }

  @Test
  void rotorctlRunsInItsImage() throws Exception {
    RotorApp cli = app("cli");
    Path root = rootFileSystem(cli);
    Run run = runEntrypoint(cli, root, Map.of(), List.of("--help"), Duration.ofSeconds(120));
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("rotorctl").contains("request").contains("approve");
  }

  @Test
  void secretsServiceStartsInItsImageAndPassesTheComposeHealthCheck() throws Exception {
    RotorApp service = app("examples/secrets-service");
    Path root = rootFileSystem(service);
    // The keyring as the kubelet (or Compose's bind mount) provides it: files in a folder.
    Path keyring = Files.createDirectories(root.resolve("tmp/keyring"));
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    // The key id is the start of the SHA-256 of the key's base64 text (docs/keyring.md).
    String keyId =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(
                        java.util.Base64.getEncoder()
                            .encodeToString(key)
                            .getBytes(StandardCharsets.US_ASCII)))
            .substring(0, 8);
    Files.writeString(keyring.resolve("keyring.primary"), keyId);
    Files.write(keyring.resolve("keyring.key." + keyId), key);
    String database = PostgresServer.createDatabase();
    int port = freePort();
    Map<String, String> environment =
        Map.of(
            "QUARKUS_HTTP_PORT", String.valueOf(port),
            "QUARKUS_DATASOURCE_JDBC_URL", PostgresServer.jdbcUrl(database),
            "QUARKUS_DATASOURCE_USERNAME", PostgresServer.username(),
            "QUARKUS_DATASOURCE_PASSWORD", PostgresServer.password(),
            "SECRETS_SERVICE_KEYRING_DIR", "/tmp/keyring");
    Process app = startEntrypoint(service, root, environment, List.of());
    try {
      // docker-compose.yml's health check, run inside the image (its curl, its libraries).
      List<String> healthCheck =
          List.of("curl", "-fsS", "http://localhost:" + port + "/q/health/ready");
      Run check = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
      while (System.nanoTime() < deadline && app.isAlive()) {
        check = inImage(root, "/home/jboss", Map.of(), healthCheck, Duration.ofSeconds(20));
        if (check.exit() == 0) {
          break;
        }
        Thread.sleep(1000);
      }
      assertThat(check).as("health check ran").isNotNull();
      assertThat(check.exit()).as(check.output() + "\n" + Files.readString(log(root))).isZero();
      assertThat(check.output()).contains("\"status\": \"UP\"");
    } finally {
      app.descendants().forEach(ProcessHandle::destroy);
      app.destroy();
      app.waitFor(20, TimeUnit.SECONDS);
      app.descendants().forEach(ProcessHandle::destroyForcibly);
      app.destroyForcibly();
    }
  }

  private static RotorApp app(String module) {
    return RotorApp.all().stream().filter(a -> a.module().equals(module)).findFirst().orElseThrow();
  }

  private Path rootFileSystem(RotorApp app) throws Exception {
    Path root = WORK.resolve(app.image().replace('/', '-')).resolve("run");
    deleteRecursively(root);
    Files.createDirectories(root);
    JsonNode manifest = manifest(app.image());
    for (JsonNode layer : manifest.get("layers")) {
      extract(blob(app.image(), layer.get("digest").asText()), root);
    }
    // What a container runtime adds to every container.
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
    return root;
  }

  private static Path log(Path root) {
    return root.resolve("tmp/app.log");
  }

  record Run(int exit, String output) {}

  private Run runEntrypoint(
      RotorApp app, Path root, Map<String, String> env, List<String> args, Duration timeout)
      throws Exception {
    Process process = startEntrypoint(app, root, env, args);
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("did not end in " + timeout + ": " + Files.readString(log(root)));
    }
    return new Run(process.exitValue(), Files.readString(log(root)));
  }

  private Process startEntrypoint(
      RotorApp app, Path root, Map<String, String> env, List<String> args) throws Exception {
    JsonNode config =
        JSON.readTree(blob(app.image(), manifest(app.image()).at("/config/digest").asText()))
            .get("config");
    List<String> command = new ArrayList<>();
    config.path("Entrypoint").forEach(e -> command.add(e.asText()));
    command.addAll(args);
    Map<String, String> environment = new TreeMap<>();
    config
        .path("Env")
        .forEach(
            e -> {
              String[] kv = e.asText().split("=", 2);
              environment.put(kv[0], kv[1]);
            });
    environment.putAll(env);
    return chroot(
        root,
        config.path("WorkingDir").asText("/"),
        config.path("User").asText(),
        environment,
        command,
        log(root));
  }

  private Run inImage(
      Path root, String workdir, Map<String, String> env, List<String> command, Duration timeout)
      throws Exception {
    Path out = root.resolve("tmp/check.out");
    Map<String, String> environment = new TreeMap<>(env);
    environment.put("PATH", "/opt/java/bin:/usr/bin:/bin");
    Process process = chroot(root, workdir, "185", environment, command, out);
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new Run(-1, "timed out");
    }
    return new Run(process.exitValue(), Files.readString(out));
  }

  /**
   * Runs a command in the unpacked image as a container runtime would, with util-linux's {@code
   * unshare}: a private mount namespace with /proc mounted (the dynamic loader finds the JDK's
   * libraries through /proc/self/exe), the image as root directory, its working directory, its user
   * and group, and only the image's environment; nothing of the host's file system. The network is
   * the host's.
   */
  private static Process chroot(
      Path root,
      String workdir,
      String user,
      Map<String, String> environment,
      List<String> command,
      Path output)
      throws IOException {
    Files.createDirectories(root.resolve("proc"));
    String[] ids = (user.contains(":") ? user : user + ":" + user).split(":");
    List<String> line = new ArrayList<>();
    line.addAll(
        List.of(
            "unshare",
            "--mount",
            "--fork",
            "--kill-child", // stopping unshare stops the application
            "--mount-proc=/proc",
            "--root=" + root,
            "--wd=" + workdir,
            "--setgid",
            ids[1],
            "--setuid",
            ids[0]));
    line.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    return builder.start();
  }

  private JsonNode manifest(String repository) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://"
                        + registry
                        + "/v2/"
                        + repository
                        + "/manifests/"
                        + RotorApp.version()))
            .header(
                "Accept",
                "application/vnd.docker.distribution.manifest.v2+json,"
                    + "application/vnd.oci.image.manifest.v1+json")
            .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode())
        .as("GET manifest of " + repository + ": " + response.body())
        .isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private byte[] blob(String repository, String digest) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://" + registry + "/v2/" + repository + "/blobs/" + digest))
            .build();
    HttpResponse<byte[]> response =
        HTTP.send(
            request, HttpResponse.BodyHandlers.ofByteArray()); // redirects are not used locally
    assertThat(response.statusCode()).as("GET blob " + digest).isEqualTo(200);
    String actual =
        "sha256:"
            + HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(response.body()));
    assertThat(actual).as("content of blob " + digest).isEqualTo(digest);
    return response.body();
  }

  /** Unpacks one gzipped layer over the root (regular files, folders, symbolic links, owners). */
  private static void extract(byte[] layer, Path root) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new GzipCompressorInputStream(new java.io.ByteArrayInputStream(layer)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path target = root.resolve(entry.getName()).normalize();
        if (!target.startsWith(root)) {
          throw new IOException("layer entry outside the root: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(target.getParent());
          Files.deleteIfExists(target);
          Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
          continue;
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING); // leaves tar open
        }
        Files.setPosixFilePermissions(target, permissions(entry.getMode()));
        Files.setAttribute(target, "unix:uid", (int) entry.getLongUserId());
        Files.setAttribute(target, "unix:gid", (int) entry.getLongGroupId());
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        set.add(order[i]);
      }
    }
    return set;
  }

  /** Every file of the packaged application is in the image, byte for byte. */
  private static void assertSameFiles(Path packaged, Path inImage) throws Exception {
    Map<String, String> expected = digests(packaged);
    // A list of the dependencies for tools, not read at run time; Quarkus leaves it out.
    expected.remove("quarkus-app-dependencies.txt");
    Map<String, String> actual = digests(inImage);
    assertThat(expected).as("files of " + packaged).isNotEmpty();
    actual.keySet().retainAll(expected.keySet());
    assertThat(actual).as("the application's files in the image").isEqualTo(expected);
  }

  private static Map<String, String> digests(Path dir) throws Exception {
    Map<String, String> digests = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        digests.put(
            dir.relativize(file).toString(),
            HexFormat.of().formatHex(sha.digest(Files.readAllBytes(file))));
      }
    }
    return digests;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
  }
}
