package dev.rotor.images;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Builds a Java base image without pulling anything: a runtime jlink'ed from this machine's JDK,
 * the shared libraries it loads (found with {@code ldd}, copied from this machine), the files a
 * glibc program reads at run time ({@code /etc/passwd}, {@code /etc/nsswitch.conf}), {@code curl}
 * for health checks and a {@code /tmp}, on an empty ("scratch") image. Written as an image tarball
 * that Quarkus' Jib extension takes as {@code quarkus.jib.base-jvm-image=tar://<file>}.
 *
 * <p>The image matches what Quarkus expects of its default base image where it matters: {@code
 * java} on the {@code PATH}, user {@code 185} with home {@code /home/jboss}. It is meant for
 * machines that reach no container registry (CI here); production images use a maintained JRE image
 * (docs/images.md).
 *
 * <pre>
 * java -cp ... dev.rotor.images.JreBaseImage --output target/jre-base.tar [--work target/jre-base]
 *     [--java-home /usr/lib/jvm/java-17-openjdk-amd64] [--name rotor/jre-base:17]
 * </pre>
 */
public final class JreBaseImage {
  /** What the services need: Java SE plus the JDK modules Kafka, Netty, JGit and TLS use. */
  static final List<String> MODULES =
      List.of(
          "java.se",
          "jdk.unsupported",
          "jdk.crypto.ec",
          "jdk.crypto.cryptoki",
          "jdk.zipfs",
          "jdk.naming.dns",
          "jdk.charsets",
          "jdk.localedata",
          "jdk.net",
          "jdk.security.auth",
          "jdk.security.jgss",
          "jdk.management",
          "jdk.jfr");

  /** Native libraries of the runtime that only a desktop needs: their dependencies stay out. */
  private static final Pattern DESKTOP_LIBRARY =
      Pattern.compile(
          "lib(awt_xawt|atk-wrapper|fontmanager|jsound|splashscreen|jawt|lcms|javajpeg|mlib_image"
              + "|j2pcsc|sctp|saproc)\\.so");

  /** {@code libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)} or {@code /lib64/ld-... (0x)}. */
  private static final Pattern LDD_LINE =
      Pattern.compile("^\\s*(?:\\S+\\s+=>\\s+)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)\\s*$");

  static final String JAVA_HOME = "/opt/java";
  static final String USER = "185";
  static final String HOME = "/home/jboss";
  private static final Instant EPOCH_PLUS_ONE = Instant.ofEpochSecond(1);

  private JreBaseImage() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    Path output = Paths.get(require(options, "--output")).toAbsolutePath();
    Path work =
        Paths.get(options.getOrDefault("--work", output.toString() + ".work")).toAbsolutePath();
    Path javaHome = Paths.get(options.getOrDefault("--java-home", System.getProperty("java.home")));
    String name = options.getOrDefault("--name", "rotor/jre-base:17");
    long started = System.nanoTime();
    JibContainer image = build(javaHome, work, output, name);
    System.out.printf(
        "ROTOR-9001 base image %s written to %s (%d MB, %s) in %.1f s%n",
        name,
        output,
        Files.size(output) / (1024 * 1024),
        image.getDigest(),
        (System.nanoTime() - started) / 1e9);
  }

  static JibContainer build(Path javaHome, Path work, Path output, String name) throws Exception {
    Path runtime = jlink(javaHome, work.resolve("runtime"));
    FileEntriesLayer.Builder system = FileEntriesLayer.builder().setName("system");
    for (Path library : sharedLibraries(runtime)) {
      // Placed under the path ldd reports (/lib64/ld-linux-x86-64.so.2, /lib/x86_64-linux-gnu/...):
      // the loader finds them there without an ld.so.cache.
      system.addEntry(
          library.toRealPath(),
          AbsoluteUnixPath.get(library.toString()),
          FilePermissions.fromOctalString("755"),
          EPOCH_PLUS_ONE);
    }
    Path etc = Files.createDirectories(work.resolve("etc"));
    addFile(
        system,
        etc.resolve("passwd"),
        "/etc/passwd",
        "root:x:0:0:root:/root:/sbin/nologin\njboss:x:185:185:jboss:" + HOME + ":/sbin/nologin\n");
    addFile(system, etc.resolve("group"), "/etc/group", "root:x:0:\njboss:x:185:\n");
    addFile(
        system,
        etc.resolve("nsswitch.conf"),
        "/etc/nsswitch.conf",
        "passwd: files\ngroup: files\nhosts: files dns\n");
    Path empty = Files.createDirectories(work.resolve("empty"));
    system.addEntry(
        new FileEntry(
            empty,
            AbsoluteUnixPath.get("/tmp"),
            FilePermissions.fromOctalString("777"),
            EPOCH_PLUS_ONE));
    system.addEntry(
        new FileEntry(
            empty,
            AbsoluteUnixPath.get(HOME),
            FilePermissions.DEFAULT_FOLDER_PERMISSIONS,
            EPOCH_PLUS_ONE,
            USER + ":" + USER));

    FileEntriesLayer.Builder java = FileEntriesLayer.builder().setName("java runtime");
    java.addEntryRecursive(
        runtime,
        AbsoluteUnixPath.get(JAVA_HOME),
        (source, target) -> {
          try {
            return Files.isDirectory(source)
                ? FilePermissions.DEFAULT_FOLDER_PERMISSIONS
                : FilePermissions.fromPosixFilePermissions(Files.getPosixFilePermissions(source));
          } catch (IOException e) {
            throw new IllegalStateException("cannot read the permissions of " + source, e);
          }
        },
        (source, target) -> EPOCH_PLUS_ONE);

    Files.createDirectories(output.getParent());
    return Jib.fromScratch()
        .addFileEntriesLayer(system.build())
        .addFileEntriesLayer(java.build())
        .setEnvironment(
            Map.of(
                "JAVA_HOME",
                JAVA_HOME,
                "PATH",
                JAVA_HOME + "/bin:/usr/bin:/bin",
                "LANG",
                "C.UTF-8"))
        .setUser(USER)
        .setWorkingDirectory(AbsoluteUnixPath.get(HOME))
        .addLabel("org.opencontainers.image.description", "Rotor's local JRE base image (CI)")
        .containerize(Containerizer.to(TarImage.at(output).named(name)));
  }

  /** A runtime of {@link #MODULES} from the JDK's jmods, without debug symbols or man pages. */
  static Path jlink(Path javaHome, Path target) throws IOException {
    Path jmods = javaHome.resolve("jmods");
    if (!Files.isDirectory(jmods)) {
      throw new IllegalStateException(
          "ROTOR-9002 "
              + javaHome
              + " has no jmods/ folder: jlink needs a full JDK (Debian: openjdk-17-jdk), or pass"
              + " --java-home <jdk>");
    }
    deleteRecursively(target);
    Files.createDirectories(target.getParent());
    ToolProvider jlink =
        ToolProvider.findFirst("jlink")
            .orElseThrow(() -> new IllegalStateException("ROTOR-9002 this Java has no jlink"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
    int exit =
        jlink.run(
            out,
            out,
            "--module-path",
            jmods.toString(),
            "--add-modules",
            String.join(",", MODULES),
            "--strip-debug",
            "--no-man-pages",
            "--no-header-files",
            "--compress=2",
            "--output",
            target.toString());
    if (exit != 0) {
      throw new IllegalStateException(
          "ROTOR-9002 jlink failed (" + exit + "): " + log.toString(StandardCharsets.UTF_8));
    }
    Path cacerts = target.resolve("lib/security/cacerts");
    Path systemCacerts = Paths.get("/etc/ssl/certs/java/cacerts");
    if ((!Files.isRegularFile(cacerts) || Files.size(cacerts) < 1024)
        && Files.isRegularFile(systemCacerts)) {
      // Debian's JDK links its trust store to the system's; a runtime in an image needs a copy.
      Files.deleteIfExists(cacerts);
      Files.copy(systemCacerts, cacerts);
    }
    return target;
  }

  /** Every library outside the runtime that its launcher and (non-desktop) libraries load. */
  static List<Path> sharedLibraries(Path runtime) throws IOException, InterruptedException {
    List<Path> binaries = new ArrayList<>();
    binaries.add(runtime.resolve("bin/java"));
    try (Stream<Path> files = Files.walk(runtime.resolve("lib"))) {
      files
          .filter(f -> f.getFileName().toString().endsWith(".so"))
          .filter(f -> !DESKTOP_LIBRARY.matcher(f.getFileName().toString()).matches())
          .forEach(binaries::add);
    }
    // curl: the health checks of docker-compose.yml run it in the container, as the default base
    // image (ubi9/openjdk-17-runtime) has it.
    Path curl = Paths.get("/usr/bin/curl");
    if (Files.isExecutable(curl)) {
      binaries.add(curl);
    }
    // Name resolution: glibc loads these itself (nsswitch.conf), ldd cannot see them.
    for (String nss : List.of("libnss_files.so.2", "libnss_dns.so.2")) {
      Path library = Paths.get("/lib/x86_64-linux-gnu").resolve(nss);
      if (Files.exists(library)) {
        binaries.add(library);
      }
    }
    TreeSet<Path> libraries = new TreeSet<>();
    for (Path binary : binaries) {
      if (!binary.startsWith(runtime)) {
        libraries.add(binary);
      }
      for (String line : ldd(binary, runtime)) {
        Matcher m = LDD_LINE.matcher(line);
        if (m.matches()) {
          Path library = Paths.get(m.group(1)).normalize();
          if (!library.startsWith(runtime)) {
            libraries.add(library);
          }
        }
      }
    }
    return List.copyOf(libraries);
  }

  private static List<String> ldd(Path binary, Path runtime)
      throws IOException, InterruptedException {
    ProcessBuilder command = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true);
    // libjvm.so is found by the launcher at run time, not through the libraries' own paths.
    command
        .environment()
        .put("LD_LIBRARY_PATH", runtime.resolve("lib/server") + ":" + runtime.resolve("lib"));
    Process ldd = command.start();
    String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (ldd.waitFor() != 0) {
      throw new IllegalStateException("ROTOR-9002 ldd " + binary + " failed: " + out.strip());
    }
    if (out.contains("not found")) {
      throw new IllegalStateException(
          "ROTOR-9002 " + binary + " needs a library this machine lacks:\n" + out.strip());
    }
    return out.lines().toList();
  }

  private static void addFile(
      FileEntriesLayer.Builder layer, Path file, String pathInImage, String content)
      throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
    layer.addEntry(
        file,
        AbsoluteUnixPath.get(pathInImage),
        FilePermissions.fromOctalString("644"),
        EPOCH_PLUS_ONE);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (!List.of("--output", "--work", "--java-home", "--name").contains(option)) {
        throw new IllegalArgumentException("ROTOR-9000 unknown option " + option);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("ROTOR-9000 " + option + " needs a value");
      }
      options.put(option, args[++i]);
    }
    return options;
  }

  private static String require(Map<String, String> options, String option) {
    String value = options.get(option);
    if (value == null) {
      throw new IllegalArgumentException("ROTOR-9000 " + option + " is required");
    }
    return value;
  }
}
