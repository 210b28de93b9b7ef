package dev.rotor.common.crypto;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.rotor.common.keyring.Keyring;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The crypto and keyring packages stay pure: no Kafka, Kubernetes, Git, Quarkus or logging types,
 * no network I/O; the keyring model does not even touch crypto libraries. Only {@link Keyring},
 * which workloads use, reads files (the mounted Secret) and uses the JDK's AES-GCM.
 */
class CryptoAndKeyringArePureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            // Not Predefined.DO_NOT_INCLUDE_TESTS: it expects target/, and -Drotor.target moves it.
            .withImportOption(location -> !location.contains("/test-classes/"))
            .importPackages("dev.rotor.common.crypto", "dev.rotor.common.keyring");
  }

  @Test
  void cryptoUsesOnlyTheJdkJaggedAndBouncyCastle() {
    classes()
        .that()
        .resideInAPackage("dev.rotor.common.crypto..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "java.lang..",
            "java.util..",
            "java.math..",
            "java.io",
            "java.nio",
            "java.nio.channels",
            "java.nio.charset",
            "java.security..",
            "javax.crypto..",
            "com.exceptionfactory.jagged..",
            "org.bouncycastle..",
            "dev.rotor.common.crypto..")
        .check(classes);
  }

  @Test
  void theKeyringModelUsesOnlyJavaLangUtilAndFingerprints() {
    classes()
        .that()
        .resideInAPackage("dev.rotor.common.keyring..")
        .and()
        .doNotBelongToAnyOf(Keyring.class)
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "java.lang..", "java.util..", "dev.rotor.common.keyring..", "dev.rotor.common.crypto")
        .check(classes);
  }

  @Test
  void theKeyringThatWorkloadsUseReadsFilesAndUsesOnlyTheJdksAesGcm() {
    classes()
        .that()
        .belongToAnyOf(Keyring.class)
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "java.lang..",
            "java.util..",
            "java.io",
            "java.nio.charset",
            "java.nio.file",
            "java.security..",
            "javax.crypto..",
            "dev.rotor.common.keyring..",
            "dev.rotor.common.crypto")
        .check(classes);
  }
}
