package dev.rotor.common.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken policies fail with the file, the path in the document, the line and the problem. */
class PolicyLoaderTest {
  /** The example's placeholder certificates; the policies below name them relative to this. */
  private static final Path POLICY_DIR = Path.of("../deploy/policy");

  private static final String RECIPIENT =
      "age1z0x8454k8ksm7j9kh3t2uk0lvxdqxtpa769gfzkufunex3tl7f9s62ayjs";

  /** A valid policy; each test breaks one thing in it. Line numbers are asserted below. */
  private static final String VALID =
      """
      apiVersion: rotor.dev/v1
      kind: RotationPolicy
      targets:
        - id: shop/payments-key
          deployments: [payments]
          manifest:
            repository: https://git.example.com/shop/gitops.git
            path: k8s/shop/secret-payments-key.yaml
          escrow:
            recipients: [%s]
          stages:
            - cluster: staging
              soak: PT10M
              sealingCertificateFile: certs/aether-staging.pem
            - cluster: production
              soak: PT30M
              sealingCertificateFile: certs/aether-production.pem
      """
          .formatted(RECIPIENT);

  private static Policy parse(String yaml) {
    return PolicyLoader.parse(yaml, "broken.yaml", POLICY_DIR);
  }

  private static PolicyException failure(String yaml) {
    try {
      parse(yaml);
    } catch (PolicyException e) {
      return e;
    }
    return fail("expected a PolicyException for:%n%s", yaml);
  }

  private static String replace(String from, String to) {
    assertThat(VALID).contains(from);
    return VALID.replace(from, to);
  }

  @Test
  void theValidPolicyLoads() {
    Plan plan = parse(VALID).target("shop/payments-key").orElseThrow().plan();
    assertThat(plan.stages()).extracting(Stage::cluster).containsExactly("staging", "production");
  }

  @Test
  void aSoakThatIsNotADurationIsAWrongTypeNamingFilePathAndLine() {
    PolicyException e = failure(replace("soak: PT30M", "soak: ten minutes"));
    assertThat(e.source()).isEqualTo("broken.yaml");
    assertThat(e.path()).isEqualTo("targets[0].stages[1].soak");
    assertThat(e.line()).isEqualTo(16);
    assertThat(e.problem()).contains("expected an ISO-8601 duration", "'ten minutes'");
    assertThat(e.getMessage())
        .isEqualTo(
            "broken.yaml: targets[0].stages[1].soak: expected an ISO-8601 duration such as PT10M"
                + " or PT0.5S, got 'ten minutes' (line 16)");
  }

  @Test
  void aStageWithoutAClusterFailsNamingTheMissingField() {
    PolicyException e =
        failure(replace("- cluster: production\n        soak: PT30M", "- soak: PT30M"));
    assertThat(e.getMessage())
        .isEqualTo("broken.yaml: targets[0].stages[1].cluster: is required (line 15)");
  }

  @Test
  void anUnknownManifestFormatIsRejectedWithTheFormatsThatExist() {
    PolicyException e = failure(replace("path: k8s/", "format: sealedsecret\n      path: k8s/"));
    assertThat(e.path()).isEqualTo("targets[0].manifest.format");
    assertThat(e.line()).isEqualTo(8);
    assertThat(e.problem()).contains("sealed-secret", "secret", "'sealedsecret'");
  }

  @Test
  void anUnknownFieldIsNamedWithTheFieldsThatExist() {
    PolicyException e = failure(replace("deployments: [payments]", "deployment: [payments]"));
    assertThat(e.path()).isEqualTo("targets[0].deployment");
    assertThat(e.line()).isEqualTo(5);
    assertThat(e.problem()).contains("unknown field", "did you mean 'deployments'?", "stages");
  }

  @Test
  void anUnknownTopLevelFieldIsRejected() {
    PolicyException e = failure(VALID + "metadata: {name: x}\n");
    assertThat(e.path()).isEqualTo("metadata");
    assertThat(e.problem()).startsWith("unknown field");
  }

  @Test
  void aNumberWhereAListIsExpectedIsAWrongType() {
    PolicyException e = failure(replace("deployments: [payments]", "deployments: 3"));
    assertThat(e.path()).isEqualTo("targets[0].deployments");
    assertThat(e.problem()).isEqualTo("expected a list, got a number");
  }

  @Test
  void aWordWhereANumberIsExpectedIsAWrongType() {
    PolicyException e =
        failure(replace("soak: PT10M", "soak: PT10M\n        thresholds: {failureLimit: two}"));
    assertThat(e.path()).isEqualTo("targets[0].stages[0].thresholds.failureLimit");
    assertThat(e.problem()).isEqualTo("expected a whole number, got a string 'two'");
  }

  @Test
  void aYamlBooleanWhereAStringIsExpectedSaysToQuoteIt() {
    PolicyException e = failure(replace("deployments: [payments]", "deployments: [yes]"));
    assertThat(e.path()).isEqualTo("targets[0].deployments[0]");
    assertThat(e.problem()).contains("got a boolean", "quotes");
  }

  @Test
  void aThresholdOutOfRangeIsReportedAtItsField() {
    PolicyException e =
        failure(
            replace("soak: PT30M", "soak: PT30M\n        thresholds:\n          maxErrorRate: 5"));
    assertThat(e.getMessage())
        .isEqualTo(
            "broken.yaml: targets[0].stages[1].thresholds.maxErrorRate: must be between 0 and 1"
                + " (line 18)");
  }

  @Test
  void aNegativeContainerRestartBoundIsRefusedNamingTheFileAndTheField() {
    PolicyException e =
        failure(
            replace(
                "soak: PT30M",
                "soak: PT30M\n        thresholds:\n          maxContainerRestarts: -1"));
    assertThat(e.getMessage())
        .isEqualTo(
            "broken.yaml: targets[0].stages[1].thresholds.maxContainerRestarts: must not be"
                + " negative (line 18)");
  }

  @Test
  void aContainerRestartBoundThatIsNotAWholeNumberIsRefusedAtItsField() {
    PolicyException e =
        failure(
            replace("soak: PT10M", "soak: PT10M\n        thresholds: {maxContainerRestarts: 1.5}"));
    assertThat(e.getMessage()).startsWith("broken.yaml: ");
    assertThat(e.path()).isEqualTo("targets[0].stages[0].thresholds.maxContainerRestarts");
    assertThat(e.problem()).startsWith("expected a whole number");
  }

  /**
   * Not set, there is no bound (restarts are recorded only) and it stays out of the plan (older
   * readers know no such field); set in the defaults, a stage inherits it and may override it.
   */
  @Test
  void containerRestartsAreBoundedOnlyWhenThePolicySaysHowMany() throws Exception {
    Plan unset = parse(VALID).targets().get(0).plan();
    assertThat(unset.stages().get(0).thresholds().maxContainerRestarts()).isNull();
    assertThat(
            dev.rotor.common.event.EventCodec.mapper()
                .writeValueAsString(unset.stages().get(0).thresholds()))
        .doesNotContain("maxContainerRestarts");

    String yaml =
        replace(
                "targets:",
                """
                defaults:
                  thresholds: {maxContainerRestarts: 2}
                targets:""")
            .replace("soak: PT30M", "soak: PT30M\n        thresholds: {maxContainerRestarts: 0}");
    Plan plan = parse(yaml).targets().get(0).plan();
    assertThat(plan.stages().get(0).thresholds().maxContainerRestarts()).isEqualTo(2);
    assertThat(plan.stages().get(1).thresholds().maxContainerRestarts()).isZero();
  }

  @Test
  void duplicateTargetIdsAreRejectedNamingTheFirst() {
    String target = VALID.substring(VALID.indexOf("  - id:"));
    PolicyException e = failure(VALID + target);
    assertThat(e.path()).isEqualTo("targets[1].id");
    assertThat(e.line()).isEqualTo(18);
    assertThat(e.problem())
        .isEqualTo("duplicate target id shop/payments-key, first used at targets[0] (line 4)");
  }

  @Test
  void aClusterTwiceInOneTargetIsRejected() {
    PolicyException e = failure(replace("- cluster: production", "- cluster: staging"));
    assertThat(e.path()).isEqualTo("targets[0].stages[1].cluster");
    assertThat(e.line()).isEqualTo(15);
    assertThat(e.problem()).contains("staging already has a stage", "targets[0].stages[0]");
  }

  @Test
  void anInvalidTargetIdIsRejected() {
    for (String id :
        List.of("payments-key", "Shop/Payments", "shop/../etc", "'shop/a b'", "a/b/c")) {
      PolicyException e = failure(replace("id: shop/payments-key", "id: " + id));
      assertThat(e.path()).as(id).isEqualTo("targets[0].id");
      assertThat(e.problem()).as(id).startsWith("not a valid target id");
    }
  }

  @Test
  void anInlineCertificateThatIsNotPemIsRejected() {
    PolicyException e =
        failure(
            replace(
                "sealingCertificateFile: certs/aether-production.pem",
                "sealingCertificate: |\n"
                    + "          -----BEGIN CERTIFICATE-----\n"
                    + "          bm90IGEgY2VydGlmaWNhdGU=\n"
                    + "          -----END CERTIFICATE-----"));
    assertThat(e.path()).isEqualTo("targets[0].stages[1].sealingCertificate");
    assertThat(e.line()).isEqualTo(17);
    assertThat(e.problem())
        .isEqualTo("not a valid PEM certificate: the X.509 certificate cannot be parsed");
  }

  @Test
  void aCertificateFileThatIsNotACertificateIsRejected() {
    PolicyException e = failure(replace("certs/aether-production.pem", "certs/README.md"));
    assertThat(e.path()).isEqualTo("targets[0].stages[1].sealingCertificateFile");
    assertThat(e.problem()).startsWith("not a PEM certificate");
  }

  @Test
  void aMissingCertificateFileIsNamedRelativeToThePolicy() {
    PolicyException e = failure(replace("certs/aether-production.pem", "certs/aether-prod.pem"));
    assertThat(e.path()).isEqualTo("targets[0].stages[1].sealingCertificateFile");
    assertThat(e.problem()).startsWith("no such file").contains("aether-prod.pem");
  }

  @Test
  void aCertificateFileHoldingAPrivateKeyIsRejected(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("leaky.pem"),
        Files.readString(POLICY_DIR.resolve("certs/aether-staging.pem"))
            + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Files.copy(POLICY_DIR.resolve("certs/aether-staging.pem"), dir.resolve("staging.pem"));
    String yaml =
        VALID
            .replace("certs/aether-staging.pem", "staging.pem")
            .replace("certs/aether-production.pem", "leaky.pem");
    try {
      PolicyLoader.parse(yaml, "broken.yaml", dir);
      fail("a private key was accepted");
    } catch (PolicyException e) {
      assertThat(e.path()).isEqualTo("targets[0].stages[1].sealingCertificateFile");
      assertThat(e.problem()).startsWith("holds a private key");
    }
  }

  @Test
  void anEscrowRecipientThatIsNotAnAgeRecipientIsRejected() {
    PolicyException e = failure(replace(RECIPIENT, "ssh-ed25519 AAAAC3Nza"));
    assertThat(e.path()).isEqualTo("targets[0].escrow.recipients[0]");
    assertThat(e.line()).isEqualTo(10);
    assertThat(e.problem()).contains("SSH recipients are not supported").contains("age1");
  }

  @Test
  void anEscrowRecipientIsStoredStrippedAndTheSameRecipientWithSpacesIsADuplicate() {
    Plan plan =
        parse(replace("[" + RECIPIENT + "]", "[\" " + RECIPIENT + " \"]"))
            .target("shop/payments-key")
            .orElseThrow()
            .plan();
    assertThat(plan.escrowRecipients()).containsExactly(RECIPIENT);

    PolicyException e =
        failure(replace("[" + RECIPIENT + "]", "[" + RECIPIENT + ", \"" + RECIPIENT + " \"]"));
    assertThat(e.path()).isEqualTo("targets[0].escrow.recipients");
    assertThat(e.problem()).contains("twice");
  }

  @Test
  void anEscrowRecipientWithATypoFailsItsChecksum() {
    String typo = RECIPIENT.substring(0, 20) + "q" + RECIPIENT.substring(21);
    assertThat(typo).isNotEqualTo(RECIPIENT);
    PolicyException e = failure(replace(RECIPIENT, typo));
    assertThat(e.path()).isEqualTo("targets[0].escrow.recipients[0]");
    assertThat(e.problem()).contains("checksum");
  }

  @Test
  void aTargetWithoutEscrowRecipientsIsRejected() {
    PolicyException e =
        failure(replace("    escrow:\n      recipients: [" + RECIPIENT + "]\n", ""));
    assertThat(e.path()).isEqualTo("targets[0].escrow");
    assertThat(e.problem()).startsWith("is required");
  }

  @Test
  void aSealedSecretStageWithoutACertificateIsRejected() {
    PolicyException e =
        failure(replace("        sealingCertificateFile: certs/aether-production.pem\n", ""));
    assertThat(e.path()).isEqualTo("targets[0].stages[1].sealingCertificate");
    assertThat(e.line()).isEqualTo(15);
    assertThat(e.problem()).contains("required for the sealed-secret manifest format");
  }

  @Test
  void theSecretFormatWithoutAllowPlaintextInGitIsRejected() {
    String yaml =
        replace("path: k8s/", "format: secret\n      path: k8s/")
            .replaceAll("\n +sealingCertificateFile: .*", "");
    PolicyException e = failure(yaml);
    assertThat(e.path()).isEqualTo("targets[0].manifest.format");
    assertThat(e.problem()).contains("allowPlaintextInGit: true");
  }

  @Test
  void theSecretFormatWithAllowPlaintextInGitLoadsWithoutCertificates() {
    String yaml =
        replace("path: k8s/", "format: secret\n      allowPlaintextInGit: true\n      path: k8s/")
            .replaceAll("\n +sealingCertificateFile: .*", "");
    Plan plan = parse(yaml).targets().get(0).plan();
    assertThat(plan.manifest().format()).isEqualTo(ManifestFormat.SECRET);
    assertThat(plan.stages()).allSatisfy(s -> assertThat(s.sealingCertificate()).isNull());
  }

  @Test
  void aCertificateWithTheSecretFormatIsRejectedAsUnused() {
    String yaml =
        replace("path: k8s/", "format: secret\n      allowPlaintextInGit: true\n      path: k8s/");
    PolicyException e = failure(yaml);
    assertThat(e.path()).isEqualTo("targets[0].stages[0].sealingCertificateFile");
    assertThat(e.problem()).contains("only the sealed-secret manifest format");
  }

  @Test
  void aWrongApiVersionOrKindIsRejected() {
    PolicyException version = failure(replace("rotor.dev/v1", "rotor.dev/v2"));
    assertThat(version.getMessage())
        .isEqualTo("broken.yaml: apiVersion: must be rotor.dev/v1, got 'rotor.dev/v2' (line 1)");
    PolicyException kind = failure(replace("kind: RotationPolicy", "kind: Policy"));
    assertThat(kind.path()).isEqualTo("kind");
    assertThat(kind.problem()).isEqualTo("must be RotationPolicy, got 'Policy'");
  }

  @Test
  void invalidYamlIsReportedWithItsLine() {
    PolicyException e = failure(replace("soak: PT30M", "soak: [PT30M"));
    assertThat(e.path()).isEmpty();
    assertThat(e.problem()).startsWith("not valid YAML");
    assertThat(e.line()).isGreaterThanOrEqualTo(16);
  }

  @Test
  void anEmptyFileIsNotAPolicy() {
    PolicyException e = failure("# nothing here\n");
    assertThat(e.getMessage())
        .isEqualTo("broken.yaml: the file is empty; expected a RotationPolicy document");
  }

  @Test
  void aDuplicateKeyIsRejected() {
    PolicyException e = failure(replace("soak: PT10M", "soak: PT10M\n        soak: PT20M"));
    assertThat(e.path()).isEqualTo("targets[0].stages[0].soak");
    assertThat(e.line()).isEqualTo(14);
    assertThat(e.problem()).isEqualTo("appears twice in one mapping (first at line 13)");
  }

  @Test
  void yamlAliasesAreRejected() {
    PolicyException e =
        failure(replace("deployments: [payments]", "deployments: &d [payments]\n    x: *d"));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p.message()).startsWith("YAML aliases"));
  }

  @Test
  void aSecondYamlDocumentIsRejected() {
    PolicyException e = failure(VALID + "---\n" + VALID);
    assertThat(e.problem()).contains("exactly one YAML document");
  }

  @Test
  void everyProblemOfTheFileIsReportedAtOnceInDocumentOrder() {
    String yaml =
        replace("soak: PT10M", "soak: 10m")
            .replace("- cluster: production\n        soak: PT30M", "- soak: PT30M")
            .replace("path: k8s/", "format: sops\n      path: k8s/");
    PolicyException e = failure(yaml);
    assertThat(e.problems())
        .extracting(PolicyException.Problem::path)
        .containsExactly(
            "targets[0].manifest.format",
            "targets[0].stages[0].soak",
            "targets[0].stages[1].cluster");
    assertThat(e.getMessage().lines()).hasSize(3).allMatch(l -> l.startsWith("broken.yaml: "));
  }

  @Test
  void anUnknownTimeZoneInAMaintenanceWindowIsRejected() {
    PolicyException e =
        failure(
            replace(
                "soak: PT30M",
                "soak: PT30M\n"
                    + "        maintenanceWindow: {start: \"09:00\", end: \"16:00\", zone: Europe/Bonn}"));
    assertThat(e.path()).isEqualTo("targets[0].stages[1].maintenanceWindow.zone");
    assertThat(e.problem()).contains("time zone", "'Europe/Bonn'");
  }

  @Test
  void aMaintenanceWindowIsReadWithDaysTimesAndZone() {
    String yaml =
        replace(
            "soak: PT30M",
            "soak: PT30M\n"
                + "        maintenanceWindow:\n"
                + "          days: [MONDAY, tuesday, Wed]\n"
                + "          start: 09:00\n"
                + "          end: \"16:30\"\n"
                + "          zone: Europe/Berlin");
    Stage production = parse(yaml).targets().get(0).plan().stages().get(1);
    assertThat(production.maintenanceWindow())
        .isEqualTo(
            new MaintenanceWindow(
                EnumSet.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY),
                LocalTime.of(9, 0),
                LocalTime.of(16, 30),
                ZoneId.of("Europe/Berlin")));
  }

  @Test
  void aSoakShorterThanOneCheckIntervalIsRejected() {
    PolicyException e = failure(replace("soak: PT10M", "soak: PT10S"));
    assertThat(e.path()).isEqualTo("targets[0].stages[0].soak");
    assertThat(e.problem()).contains("shorter than thresholds.interval (PT30S)");
  }

  @Test
  void aQueryWithAPlaceholderNothingReplacesIsRejectedNamingFileFieldAndPlaceholder() {
    PolicyException e =
        failure(
            replace(
                "    stages:",
                "    verification:\n"
                    + "      decryptFailuresQuery: 'sum(increase(failures{ns=\"{namespace}\"}"
                    + "[{windw}]))'\n"
                    + "    stages:"));
    assertThat(e.source()).isEqualTo("broken.yaml");
    assertThat(e.path()).isEqualTo("targets[0].verification.decryptFailuresQuery");
    assertThat(e.problem())
        .isEqualTo(
            "unknown placeholder '{windw}': a query may use {namespace}, {deployment} and"
                + " {window}");
  }

  @Test
  void queriesMayUseTheWindowPlaceholderOrALiteralRange() {
    String yaml =
        replace(
            "    stages:",
            "    verification:\n"
                + "      errorRateQuery: 'sum(rate(errors{deployment=\"{deployment}\"}[5m]))'\n"
                + "      decryptFailuresQuery: 'sum(increase(failures{ns=\"{namespace}\"}"
                + "[{window}]))'\n"
                + "    stages:");
    VerificationSpec verification = parse(yaml).targets().get(0).plan().verification();
    assertThat(verification.errorRateQuery()).endsWith("[5m]))");
    assertThat(verification.decryptFailuresQuery()).endsWith("[{window}]))");
    assertThat(verification.latencyQuery()).isEqualTo(VerificationSpec.DEFAULT.latencyQuery());
  }

  @Test
  void bracesInALabelValueAreNotPlaceholders() {
    // Micrometer's uri label holds path templates; a misspelt placeholder outside quotes is still
    // refused.
    String query =
        "sum(rate(http_server_requests_seconds_count{uri=\"/secrets/{id}\","
            + "deployment=\"{deployment}\",note='{x}'}[{window}]))";
    assertThat(VerificationSpec.unknownPlaceholders(query)).isEmpty();
    assertThat(VerificationSpec.unknownPlaceholders(query.replace("[{window}]", "[{windw}]")))
        .containsExactly("{windw}");
  }

  @Test
  void theDefaultQueriesCoverTheWindowTheVerifierFillsIn() {
    VerificationSpec defaults = VerificationSpec.DEFAULT;
    for (String query :
        List.of(
            defaults.errorRateQuery(), defaults.latencyQuery(), defaults.decryptFailuresQuery())) {
      assertThat(query).contains("[{window}]").doesNotContain("[1m]");
      assertThat(VerificationSpec.unknownPlaceholders(query)).isEmpty();
    }
  }

  @Test
  void aRepositoryUrlWithCredentialsIsRejected() {
    PolicyException e =
        failure(replace("https://git.example.com", "https://bot:ghp_secret@git.example.com"));
    assertThat(e.path()).isEqualTo("targets[0].manifest.repository");
    assertThat(e.problem()).startsWith("must not carry credentials");
    assertThat(e.getMessage()).doesNotContain("ghp_secret");
  }

  @Test
  void aManifestPathOutsideTheRepositoryIsRejected() {
    PolicyException e = failure(replace("path: k8s/", "path: ../k8s/"));
    assertThat(e.path()).isEqualTo("targets[0].manifest.path");
    assertThat(e.problem()).contains("relative path inside the repository");
  }

  @Test
  void defaultsApplyToEveryTargetAndMergeFieldByField() {
    String yaml =
        replace(
                "targets:",
                """
                defaults:
                  keyring: {previousKeys: 3}
                  manifest: {repository: "git@git.example.com:shop/gitops.git", branch: release}
                  approvals: {provider: github, required: 2, teams: [security, sre]}
                  thresholds: {maxErrorRate: 0.05, interval: PT1M}
                  verification: {baselineWindow: PT1H}
                targets:""")
            .replace("      repository: https://git.example.com/shop/gitops.git\n", "")
            .replace("soak: PT30M", "soak: PT30M\n        thresholds: {failureLimit: 1}");
    Plan plan = parse(yaml).targets().get(0).plan();
    assertThat(plan.keyring().previousKeys()).isEqualTo(3);
    assertThat(plan.manifest().repository()).isEqualTo("git@git.example.com:shop/gitops.git");
    assertThat(plan.manifest().branch()).isEqualTo("release");
    assertThat(plan.approvals())
        .isEqualTo(new ApprovalSpec(ReviewProvider.GITHUB, 2, List.of("security", "sre")));
    Thresholds production = plan.stages().get(1).thresholds();
    assertThat(production.maxErrorRate()).isEqualTo(0.05);
    assertThat(production.interval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(production.failureLimit()).isEqualTo(1);
    assertThat(production.maxP99Latency()).isEqualTo(Thresholds.DEFAULT.maxP99Latency());
    assertThat(plan.stages().get(0).thresholds().failureLimit())
        .isEqualTo(Thresholds.DEFAULT.failureLimit());
    assertThat(plan.verification().baselineWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(plan.verification().latencyQuery())
        .isEqualTo(VerificationSpec.DEFAULT.latencyQuery());
  }

  @Test
  void aProblemInTheDefaultsIsReportedOnceNotForEveryTarget() {
    String yaml =
        replace(
                "targets:",
                "defaults:\n  manifest: {repository: \"ftp://git.example.com/gitops\"}\ntargets:")
            .replace("      repository: https://git.example.com/shop/gitops.git\n", "");
    PolicyException e = failure(yaml);
    assertThat(e.problems()).hasSize(1);
    assertThat(e.path()).isEqualTo("defaults.manifest.repository");
    assertThat(e.line()).isEqualTo(4);
    assertThat(e.problem()).startsWith("not a Git URL");
  }

  @Test
  void withoutDefaultsTheBuiltInsApply() {
    Plan plan = parse(VALID).targets().get(0).plan();
    assertThat(plan.keyring()).isEqualTo(new KeyringSpec(2));
    assertThat(plan.manifest().branch()).isEqualTo("main");
    assertThat(plan.manifest().format()).isEqualTo(ManifestFormat.SEALED_SECRET);
    assertThat(plan.approvals()).isEqualTo(new ApprovalSpec(ReviewProvider.LOCAL, 1, List.of()));
    assertThat(plan.verification()).isEqualTo(VerificationSpec.DEFAULT);
    assertThat(plan.stages())
        .allSatisfy(s -> assertThat(s.thresholds()).isEqualTo(Thresholds.DEFAULT));
    assertThat(parse(VALID).targets().get(0).cadence()).isNull();
  }

  @Test
  void aStageMayRestartOtherDeploymentsThanTheTarget() {
    String yaml =
        replace(
            "- cluster: production",
            "- cluster: production\n        deployments: [payments, payments-worker]");
    Plan plan = parse(yaml).targets().get(0).plan();
    assertThat(plan.stages().get(0).deployments()).containsExactly("payments");
    assertThat(plan.stages().get(1).deployments()).containsExactly("payments", "payments-worker");
  }

  @Test
  void aMissingFileFailsNamingIt() {
    try {
      PolicyLoader.load(Path.of("no-such-policy.yaml"));
      fail("a missing file loaded");
    } catch (PolicyException e) {
      assertThat(e.getMessage()).isEqualTo("no-such-policy.yaml: no such file");
    }
  }
}
