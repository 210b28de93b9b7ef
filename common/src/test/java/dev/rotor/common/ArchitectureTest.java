package dev.rotor.common;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/**
 * The model of {@code common} stays pure: events, the plan, crypto and the keyring can be used (and
 * tested) without a broker, a cluster, a repository or a Quarkus runtime. Only the messaging
 * package bridges to Kafka and SmallRye, and only the git package to JGit and sshd.
 */
class ArchitectureTest {
  private static final JavaClasses COMMON =
      new ClassFileImporter()
          // Not Predefined.DO_NOT_INCLUDE_TESTS: it knows target/test-classes only, and the build
          // folder is named by -Drotor.target.
          .withImportOption(location -> !location.contains("/test-classes/"))
          .importPackages("dev.rotor.common");

  private static final String[] RUNTIME_PACKAGES = {
    "org.apache.kafka..",
    "io.fabric8..",
    "org.eclipse.jgit..",
    "org.apache.sshd..",
    "io.quarkus..",
    "io.smallrye..",
    "io.vertx..",
    "org.eclipse.microprofile..",
    "jakarta.enterprise..",
    "jakarta.inject..",
    "jakarta.persistence..",
    "org.hibernate.."
  };

  @Test
  void theEventContractImportsNoRuntimeTypes() {
    noClasses()
        .that()
        .resideInAPackage("dev.rotor.common.event..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(RUNTIME_PACKAGES)
        .check(COMMON);
  }

  @Test
  void thePlanAndPolicyModelImportsNoRuntimeTypes() {
    noClasses()
        .that()
        .resideInAPackage("dev.rotor.common.plan..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(RUNTIME_PACKAGES)
        .check(COMMON);
  }

  @Test
  void cryptoAndTheKeyringModelImportNoRuntimeTypes() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.rotor.common.crypto..", "dev.rotor.common.keyring..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(RUNTIME_PACKAGES)
        .check(COMMON);
  }

  @Test
  void theModelDoesNotDependOnTheMessagingBridge() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.rotor.common.event..",
            "dev.rotor.common.plan..",
            "dev.rotor.common.crypto..",
            "dev.rotor.common.keyring..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.rotor.common.messaging..")
        .check(COMMON);
  }

  @Test
  void onlyTheGitPackageUsesJGitAndSshd() {
    // JGit and sshd are optional dependencies of common: a service without Git does not have them.
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.rotor.common.git..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.eclipse.jgit..", "org.apache.sshd..")
        .check(COMMON);
  }
}
