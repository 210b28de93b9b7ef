package dev.rotor.ledger;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/**
 * The ledger's protocol code (Merkle tree, canonical form, chain, signed notes, rotation records,
 * verification) is pure: no Quarkus, CDI, persistence, JDBC, Kafka or messaging types, so an
 * auditor can read it, and reuse it, apart from the service.
 */
class ArchitectureTest {
  private static final JavaClasses LEDGER =
      new ClassFileImporter()
          // Not Predefined.DO_NOT_INCLUDE_TESTS: it knows target/test-classes only, and the build
          // folder is named by -Drotor.target.
          .withImportOption(location -> !location.contains("/test-classes/"))
          .importPackages("dev.rotor.ledger");

  @Test
  void theProtocolPackagesImportNoFrameworkPersistenceOrMessagingTypes() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.rotor.ledger.merkle..",
            "dev.rotor.ledger.canonical..",
            "dev.rotor.ledger.chain..",
            "dev.rotor.ledger.note..",
            "dev.rotor.ledger.rotation..",
            "dev.rotor.ledger.verify..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.quarkus..",
            "jakarta..",
            "org.hibernate..",
            "java.sql..",
            "io.agroal..",
            "org.apache.kafka..",
            "io.smallrye..",
            "org.eclipse.microprofile..",
            "dev.rotor.common.messaging..")
        .check(LEDGER);
  }
}
