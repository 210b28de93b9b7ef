package dev.rotor.common.plan;

import static dev.rotor.common.plan.Problems.show;

import dev.rotor.common.crypto.AgeRecipient;
import dev.rotor.common.crypto.CryptoException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.Period;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns a policy document into a {@link Policy}: checks every field, applies the defaults
 * (built-in, then the document's {@code defaults}, then the target's, then the stage's; mappings
 * are merged field by field, lists replaced) and records every problem with its path and line.
 */
final class PolicyReader {
  static final String API_VERSION = "rotor.dev/v1";
  static final String KIND = "RotationPolicy";

  /** A certificate file is a few KiB; anything much larger is the wrong file. */
  private static final int MAX_CERTIFICATE_FILE = 64 * 1024;

  private static final List<String> DOCUMENT = List.of("apiVersion", "kind", "defaults", "targets");
  private static final List<String> DEFAULTS =
      List.of("keyring", "manifest", "approvals", "escrow", "thresholds", "verification");
  private static final List<String> TARGET =
      List.of(
          "id",
          "deployments",
          "keyring",
          "manifest",
          "approvals",
          "cadence",
          "escrow",
          "verification",
          "thresholds",
          "stages");
  private static final List<String> STAGE =
      List.of(
          "cluster",
          "deployments",
          "soak",
          "thresholds",
          "maintenanceWindow",
          "sealingCertificate",
          "sealingCertificateFile");
  private static final List<String> KEYRING = List.of("previousKeys");
  private static final List<String> MANIFEST =
      List.of("repository", "branch", "path", "format", "allowPlaintextInGit");
  private static final List<String> MANIFEST_DEFAULTS =
      List.of("repository", "branch", "format", "allowPlaintextInGit");
  private static final List<String> APPROVALS = List.of("provider", "required", "teams");
  private static final List<String> ESCROW = List.of("recipients");
  private static final List<String> THRESHOLDS =
      List.of(
          "maxErrorRate",
          "maxP99Latency",
          "maxBaselineFactor",
          "maxDecryptFailures",
          "failureLimit",
          "interval",
          "maxContainerRestarts");
  private static final List<String> VERIFICATION =
      List.of(
          "errorRateQuery",
          "latencyQuery",
          "decryptFailuresQuery",
          "baselineWindow",
          "requiredLogPatterns",
          "forbiddenLogPatterns");
  private static final List<String> WINDOW = List.of("days", "start", "end", "zone");

  private static final Section.Value<Duration> DURATION =
      Section.parsed("an ISO-8601 duration such as PT10M or PT0.5S", Duration::parse);
  private static final Section.Value<Period> PERIOD =
      Section.parsed("an ISO-8601 period such as P90D or P3M", Period::parse);
  private static final Section.Value<LocalTime> TIME =
      Section.parsed("a time of day as HH:MM, such as \"09:00\"", LocalTime::parse);
  private static final Section.Value<ZoneId> ZONE =
      Section.parsed("a time zone such as Europe/Berlin or UTC", ZoneId::of);
  private static final Section.Value<DayOfWeek> DAY =
      Section.parsed("a day of the week such as MONDAY", Names::day);
  private static final Section.Value<ManifestFormat> FORMAT =
      Section.parsed("a manifest format (sealed-secret or secret)", ManifestFormat::of);
  private static final Section.Value<ReviewProvider> PROVIDER =
      Section.parsed("a review provider (local or github)", ReviewProvider::of);
  private static final Section.Value<String> REGEX =
      Section.parsed(
          "a regular expression (Java syntax)",
          s -> {
            Pattern.compile(s);
            return s;
          });
  private static final Section.Value<String> CLUSTER =
      Section.matching(
          Names.CLUSTER,
          "expected a cluster name (lowercase letters, digits and '-', at most 63 characters)");
  private static final Section.Value<String> DEPLOYMENT =
      Section.matching(
          Names.DEPLOYMENT, "expected a Deployment name (lowercase letters, digits, '-' and '.')");
  private static final Section.Value<String> TEAM =
      Section.matching(Names.TEAM, "expected a team name (letters, digits, '.', '_', '-', '/')");
  private static final Section.Value<String> BRANCH =
      Section.matching(Names.BRANCH, "expected a branch name such as main");
  private static final Section.Value<String> RECIPIENT =
      checked(Section.STRING, PolicyReader::recipientProblem);
  private static final Section.Value<String> REPOSITORY =
      checked(Section.STRING, PolicyReader::repositoryProblem);
  private static final Section.Value<String> QUERY =
      checked(Section.STRING, PolicyReader::queryProblem);
  private static final Section.Value<String> MANIFEST_PATH =
      checked(
          Section.STRING,
          s ->
              s.chars().anyMatch(c -> Character.isISOControl(c))
                  ? "must not contain control characters"
                  : null);

  private static final String NO_DEPLOYMENTS = "must list at least one Deployment to restart";

  /** What a target inherits: the built-in defaults, overridden by the document's. */
  private record Inherited(
      KeyringSpec keyring,
      String repository,
      boolean repositoryGiven,
      String branch,
      ManifestFormat format,
      boolean allowPlaintextInGit,
      ApprovalSpec approvals,
      List<String> escrowRecipients,
      Thresholds thresholds,
      VerificationSpec verification) {}

  private static final Inherited BUILT_IN =
      new Inherited(
          new KeyringSpec(2),
          null,
          false,
          "main",
          ManifestFormat.SEALED_SECRET,
          false,
          new ApprovalSpec(ReviewProvider.LOCAL, 1, List.of()),
          List.of(),
          Thresholds.DEFAULT,
          VerificationSpec.DEFAULT);

  private final Problems problems;
  private final Path baseDirectory;

  private PolicyReader(Problems problems, Path baseDirectory) {
    this.problems = problems;
    this.baseDirectory = baseDirectory;
  }

  /**
   * Reads the document; returns {@code null} if anything is wrong (then {@code problems} says
   * what). Certificate files resolve against {@code baseDirectory}.
   */
  static Policy read(YamlTree.Node root, String source, Path baseDirectory, Problems problems) {
    return new PolicyReader(problems, baseDirectory).document(root, source);
  }

  private Policy document(YamlTree.Node root, String source) {
    Section doc = Section.of(root, "", problems, DOCUMENT);
    if (doc == null) {
      return null;
    }
    String apiVersion = doc.require("apiVersion", Section.STRING);
    if (apiVersion != null && !apiVersion.equals(API_VERSION)) {
      doc.problem("apiVersion", "must be " + API_VERSION + ", got " + show(apiVersion));
    }
    String kind = doc.require("kind", Section.STRING);
    if (kind != null && !kind.equals(KIND)) {
      doc.problem("kind", "must be " + KIND + ", got " + show(kind));
    }
    Section defaults = doc.section("defaults", DEFAULTS);
    Inherited inherited = defaults == null ? BUILT_IN : defaults(defaults);

    List<PolicyTarget> targets = new ArrayList<>();
    YamlTree.Node list = doc.node("targets");
    if (list == null) {
      doc.problem("targets", "is required: list at least one target");
    } else if (!(list instanceof YamlTree.Sequence seq)) {
      doc.problem("targets", "expected a list of targets, got " + list.kind());
    } else if (seq.items().isEmpty()) {
      doc.problem("targets", "must list at least one target");
    } else {
      Map<String, String> seen = new HashMap<>();
      for (int i = 0; i < seq.items().size(); i++) {
        PolicyTarget t = target(seq.items().get(i), "targets[" + i + "]", inherited, seen);
        if (t != null) {
          targets.add(t);
        }
      }
    }
    return problems.count() == 0 ? new Policy(source, targets) : null;
  }

  private Inherited defaults(Section d) {
    Section manifest = d.section("manifest", MANIFEST_DEFAULTS);
    String repository = manifest == null ? null : manifest.get("repository", REPOSITORY);
    String branch = manifest == null ? null : manifest.get("branch", BRANCH);
    ManifestFormat format = manifest == null ? null : manifest.get("format", FORMAT);
    Boolean plaintext =
        manifest == null ? null : manifest.get("allowPlaintextInGit", Section.BOOLEAN);
    return new Inherited(
        keyring(d.section("keyring", KEYRING), BUILT_IN.keyring()),
        repository,
        manifest != null && manifest.has("repository"),
        or(branch, BUILT_IN.branch()),
        or(format, BUILT_IN.format()),
        or(plaintext, BUILT_IN.allowPlaintextInGit()),
        approvals(d.section("approvals", APPROVALS), BUILT_IN.approvals()),
        escrow(d.section("escrow", ESCROW), BUILT_IN.escrowRecipients()),
        thresholds(d.section("thresholds", THRESHOLDS), BUILT_IN.thresholds()),
        verification(d.section("verification", VERIFICATION), BUILT_IN.verification()));
  }

  private PolicyTarget target(
      YamlTree.Node node, String path, Inherited inherited, Map<String, String> seen) {
    int before = problems.count();
    Section t = Section.of(node, path, problems, TARGET);
    if (t == null) {
      return null;
    }
    String id = t.require("id", Section.STRING);
    if (id != null && !TargetIds.isValid(id)) {
      t.problem(
          "id",
          "not a valid target id: expected <namespace>/<secret name> in lowercase letters, digits,"
              + " '-' and '.' (Kubernetes names), got "
              + show(id));
      id = null;
    } else if (id != null) {
      String first = seen.putIfAbsent(id, path + " (line " + t.lineOf("id") + ")");
      if (first != null) {
        t.problem("id", "duplicate target id " + id + ", first used at " + first);
      }
    }
    List<String> deployments =
        unique(t, "deployments", t.nonEmptyList("deployments", DEPLOYMENT, NO_DEPLOYMENTS));
    KeyringSpec keyring = keyring(t.section("keyring", KEYRING), inherited.keyring());
    ApprovalSpec approvals = approvals(t.section("approvals", APPROVALS), inherited.approvals());
    VerificationSpec verification =
        verification(t.section("verification", VERIFICATION), inherited.verification());
    Thresholds thresholds = thresholds(t.section("thresholds", THRESHOLDS), inherited.thresholds());
    Period cadence = t.get("cadence", PERIOD);
    if (cadence != null && (cadence.isNegative() || cadence.isZero())) {
      t.problem("cadence", "must be a positive period such as P90D");
    }

    int escrowProblems = problems.count();
    List<String> escrow = escrow(t.section("escrow", ESCROW), inherited.escrowRecipients());
    if (escrow.isEmpty() && problems.count() == escrowProblems) {
      t.problem(
          "escrow",
          "is required: list the age recipients (escrow.recipients, here or under defaults) that"
              + " receive the escrow copy of every key");
    }

    Section m = t.section("manifest", MANIFEST);
    if (m == null && !t.has("manifest")) {
      t.problem("manifest", "is required: where the Secret's manifest lives in Git");
    }
    // null only if the format given is wrong (and reported)
    ManifestFormat format =
        m == null || !m.has("format") ? inherited.format() : m.get("format", FORMAT);
    ManifestSpec manifest = m == null ? null : manifest(m, inherited, format);

    List<Stage> stages = stages(t, deployments, thresholds, format);

    if (problems.count() != before || manifest == null || stages == null) {
      return null; // reported here, or in defaults
    }
    String namespace = id.substring(0, id.indexOf('/'));
    String secretName = id.substring(id.indexOf('/') + 1);
    String targetId = id;
    Plan plan =
        t.build(
            () ->
                new Plan(
                    targetId,
                    namespace,
                    secretName,
                    keyring,
                    manifest,
                    stages,
                    approvals,
                    verification,
                    escrow));
    return plan == null ? null : t.build(() -> new PolicyTarget(plan, cadence));
  }

  private ManifestSpec manifest(Section m, Inherited inherited, ManifestFormat format) {
    int before = problems.count();
    String repository = or(m.get("repository", REPOSITORY), inherited.repository());
    if (repository == null && problems.count() == before && !inherited.repositoryGiven()) {
      m.problem("repository", "is required (here or under defaults.manifest)");
    }
    String branch = or(m.get("branch", BRANCH), inherited.branch());
    String path = m.require("path", MANIFEST_PATH);
    boolean plaintext =
        or(m.get("allowPlaintextInGit", Section.BOOLEAN), inherited.allowPlaintextInGit());
    if (problems.count() != before || format == null || repository == null) {
      return null; // reported here, or in defaults
    }
    return m.build(() -> new ManifestSpec(repository, branch, path, format, plaintext));
  }

  /** The stages, or {@code null} (a problem recorded) if any is wrong. */
  private List<Stage> stages(
      Section t, List<String> deployments, Thresholds thresholds, ManifestFormat format) {
    YamlTree.Node node = t.node("stages");
    if (node == null) {
      t.problem("stages", "is required: list at least one stage (a cluster to roll out to)");
      return null;
    }
    if (!(node instanceof YamlTree.Sequence seq)) {
      t.problem("stages", "expected a list of stages, got " + node.kind());
      return null;
    }
    if (seq.items().isEmpty()) {
      t.problem("stages", "must list at least one stage");
      return null;
    }
    int before = problems.count();
    List<Stage> stages = new ArrayList<>();
    Map<String, String> clusters = new HashMap<>();
    for (int i = 0; i < seq.items().size(); i++) {
      String path = t.pathOf("stages") + "[" + i + "]";
      Section s = Section.of(seq.items().get(i), path, problems, STAGE);
      if (s == null) {
        continue;
      }
      Stage stage = stage(s, t.has("deployments"), deployments, thresholds, format);
      if (stage != null) {
        String first = clusters.putIfAbsent(stage.cluster(), path);
        if (first != null) {
          s.problem(
              "cluster",
              "cluster "
                  + stage.cluster()
                  + " already has a stage in this target ("
                  + first
                  + "); a target rolls out to each cluster once");
        }
        stages.add(stage);
      }
    }
    return problems.count() == before ? stages : null;
  }

  private Stage stage(
      Section s,
      boolean targetHasDeployments,
      List<String> targetDeployments,
      Thresholds targetThresholds,
      ManifestFormat format) {
    int before = problems.count();
    String cluster = s.require("cluster", CLUSTER);
    List<String> deployments =
        unique(s, "deployments", s.nonEmptyList("deployments", DEPLOYMENT, NO_DEPLOYMENTS));
    if (deployments == null && !s.has("deployments")) {
      deployments = targetDeployments;
      if (deployments == null && !targetHasDeployments) {
        s.problem(
            "deployments", "is required: list the Deployments to restart, on the target or here");
      }
    }
    Duration soak = s.require("soak", DURATION);
    Thresholds thresholds = thresholds(s.section("thresholds", THRESHOLDS), targetThresholds);
    if (soak != null
        && !soak.isNegative()
        && !soak.isZero()
        && soak.compareTo(thresholds.interval()) < 0) {
      s.problem(
          "soak",
          "is shorter than thresholds.interval ("
              + thresholds.interval()
              + "): the verifier would not check even once");
    }
    Section w = s.section("maintenanceWindow", WINDOW);
    MaintenanceWindow window = w == null ? null : window(w);
    String certificate = certificate(s, format);
    if (problems.count() != before || deployments == null) {
      return null;
    }
    List<String> stageDeployments = deployments;
    return s.build(
        () -> new Stage(cluster, stageDeployments, soak, thresholds, window, certificate));
  }

  private String certificate(Section s, ManifestFormat format) {
    boolean inline = s.has("sealingCertificate");
    boolean file = s.has("sealingCertificateFile");
    if (format == null) {
      return null; // the manifest format is wrong, and reported; nothing to check against
    }
    if (format != ManifestFormat.SEALED_SECRET) {
      if (inline || file) {
        s.problem(
            inline ? "sealingCertificate" : "sealingCertificateFile",
            "only the sealed-secret manifest format uses a sealing certificate; remove it");
      }
      return null;
    }
    if (inline && file) {
      s.problem(
          "sealingCertificateFile", "set either sealingCertificate or sealingCertificateFile");
      return null;
    }
    if (!inline && !file) {
      s.problem(
          "sealingCertificate",
          "is required for the sealed-secret manifest format: the PEM certificate of this"
              + " cluster's sealed-secrets controller (kubeseal --fetch-cert), inline, or its"
              + " file in sealingCertificateFile");
      return null;
    }
    if (inline) {
      String pem = s.get("sealingCertificate", Section.STRING);
      return pem == null ? null : canonicalPem(s, "sealingCertificate", pem);
    }
    String name = s.get("sealingCertificateFile", Section.STRING);
    if (name == null) {
      return null;
    }
    Path path;
    try {
      path = baseDirectory.resolve(name);
    } catch (RuntimeException e) {
      s.problem("sealingCertificateFile", "not a valid file path: " + show(name));
      return null;
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] bytes = in.readNBytes(MAX_CERTIFICATE_FILE + 1);
      if (bytes.length > MAX_CERTIFICATE_FILE) {
        s.problem(
            "sealingCertificateFile",
            show(path.toString()) + " is larger than a certificate (over 64 KiB)");
        return null;
      }
      return canonicalPem(
          s, "sealingCertificateFile", new String(bytes, StandardCharsets.US_ASCII));
    } catch (NoSuchFileException e) {
      s.problem("sealingCertificateFile", "no such file: " + show(path.toString()));
    } catch (IOException e) {
      s.problem(
          "sealingCertificateFile",
          "cannot read " + show(path.toString()) + ": " + e.getClass().getSimpleName());
    }
    return null;
  }

  private static String canonicalPem(Section s, String key, String pem) {
    try {
      return SealingCertificates.canonicalPem(pem);
    } catch (IllegalArgumentException e) {
      s.problem(key, e.getMessage());
      return null;
    }
  }

  private MaintenanceWindow window(Section w) {
    int before = problems.count();
    List<DayOfWeek> days = w.list("days", DAY);
    LocalTime start = w.require("start", TIME);
    LocalTime end = w.require("end", TIME);
    ZoneId zone = w.require("zone", ZONE);
    if (problems.count() != before) {
      return null;
    }
    Set<DayOfWeek> on =
        days == null
            ? EnumSet.allOf(DayOfWeek.class)
            : days.isEmpty() ? EnumSet.noneOf(DayOfWeek.class) : EnumSet.copyOf(days);
    return w.build(() -> new MaintenanceWindow(on, start, end, zone));
  }

  private KeyringSpec keyring(Section k, KeyringSpec base) {
    if (k == null) {
      return base;
    }
    Integer previous = k.get("previousKeys", Section.INTEGER);
    return previous == null ? base : or(k.build(() -> new KeyringSpec(previous)), base);
  }

  private ApprovalSpec approvals(Section a, ApprovalSpec base) {
    if (a == null) {
      return base;
    }
    ReviewProvider provider = or(a.get("provider", PROVIDER), base.provider());
    Integer required = or(a.get("required", Section.INTEGER), base.required());
    List<String> teams = or(unique(a, "teams", a.list("teams", TEAM)), base.teams());
    return or(a.build(() -> new ApprovalSpec(provider, required, teams)), base);
  }

  private List<String> escrow(Section e, List<String> base) {
    if (e == null) {
      return base;
    }
    List<String> listed = e.require("recipients", Section.list(RECIPIENT));
    // Stored as AgeRecipient reads them (stripped), so that "age1x" and "age1x " are one recipient.
    List<String> recipients =
        unique(
            e,
            "recipients",
            listed == null ? null : listed.stream().map(PolicyReader::normalised).toList());
    if (recipients != null && recipients.isEmpty()) {
      e.problem("recipients", "must list at least one age recipient");
    }
    return or(recipients, base);
  }

  private Thresholds thresholds(Section t, Thresholds base) {
    if (t == null) {
      return base;
    }
    double maxErrorRate = or(t.get("maxErrorRate", Section.NUMBER), base.maxErrorRate());
    Duration maxP99Latency = or(t.get("maxP99Latency", DURATION), base.maxP99Latency());
    double maxBaselineFactor =
        or(t.get("maxBaselineFactor", Section.NUMBER), base.maxBaselineFactor());
    long maxDecryptFailures =
        or(t.get("maxDecryptFailures", Section.LONG), base.maxDecryptFailures());
    int failureLimit = or(t.get("failureLimit", Section.INTEGER), base.failureLimit());
    Duration interval = or(t.get("interval", DURATION), base.interval());
    Integer maxContainerRestarts =
        or(t.get("maxContainerRestarts", Section.INTEGER), base.maxContainerRestarts());
    return or(
        t.build(
            () ->
                new Thresholds(
                    maxErrorRate,
                    maxP99Latency,
                    maxBaselineFactor,
                    maxDecryptFailures,
                    failureLimit,
                    interval,
                    maxContainerRestarts)),
        base);
  }

  private VerificationSpec verification(Section v, VerificationSpec base) {
    if (v == null) {
      return base;
    }
    String errorRate = or(v.get("errorRateQuery", QUERY), base.errorRateQuery());
    String latency = or(v.get("latencyQuery", QUERY), base.latencyQuery());
    String decryptFailures = or(v.get("decryptFailuresQuery", QUERY), base.decryptFailuresQuery());
    Duration baselineWindow = v.get("baselineWindow", DURATION);
    if (baselineWindow != null && (baselineWindow.isNegative() || baselineWindow.isZero())) {
      v.problem("baselineWindow", "must be positive");
    }
    Duration baseline = or(baselineWindow, base.baselineWindow());
    List<String> required = or(v.list("requiredLogPatterns", REGEX), base.requiredLogPatterns());
    List<String> forbidden = or(v.list("forbiddenLogPatterns", REGEX), base.forbiddenLogPatterns());
    return or(
        v.build(
            () ->
                new VerificationSpec(
                    errorRate, latency, decryptFailures, baseline, required, forbidden)),
        base);
  }

  /** {@code list}, after recording a problem for each value it holds twice. */
  private static List<String> unique(Section s, String key, List<String> list) {
    if (list == null) {
      return null;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.indexOf(list.get(i)) != i) {
        s.problem(key, "lists " + show(list.get(i)) + " twice");
        return null;
      }
    }
    return list;
  }

  /** {@code recipient} as {@link AgeRecipient} reads it, or as given if it is not one. */
  private static String normalised(String recipient) {
    try {
      return AgeRecipient.parse(recipient).value();
    } catch (CryptoException e) {
      return recipient;
    }
  }

  /** What is wrong with an escrow recipient, or {@code null} if it is a valid age recipient. */
  private static String recipientProblem(String recipient) {
    try {
      AgeRecipient.parse(recipient);
      return null;
    } catch (CryptoException e) {
      return e.getMessage();
    }
  }

  /** A query with a placeholder nothing replaces would be rejected by Prometheus at every check. */
  private static String queryProblem(String query) {
    List<String> unknown = VerificationSpec.unknownPlaceholders(query);
    if (unknown.isEmpty()) {
      return null;
    }
    return "unknown placeholder "
        + String.join(", ", unknown.stream().map(Problems::show).toList())
        + ": a query may use {namespace}, {deployment} and {window}";
  }

  private static String repositoryProblem(String url) {
    if (Names.SCP_LIKE_URL.matcher(url).matches()) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "not a Git URL: expected https://, ssh://, file:// or user@host:path";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    switch (scheme) {
      case "https", "http", "ssh" -> {
        if (uri.getHost() == null) {
          return "not a Git URL: it has no host";
        }
        String user = uri.getRawUserInfo();
        if (user != null && (!scheme.equals("ssh") || user.contains(":"))) {
          return "must not carry credentials: give them to the manifest service's configuration";
        }
        return null;
      }
      case "file" -> {
        return null;
      }
      default -> {
        return "not a Git URL: expected https://, ssh://, file:// or user@host:path";
      }
    }
  }

  private static Section.Value<String> checked(
      Section.Value<String> value, Function<String, String> problem) {
    return (n, path, problems) -> {
      String s = value.read(n, path, problems);
      String wrong = s == null ? null : problem.apply(s);
      if (wrong != null) {
        problems.add(path, n.line(), wrong);
        return null;
      }
      return s;
    };
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
