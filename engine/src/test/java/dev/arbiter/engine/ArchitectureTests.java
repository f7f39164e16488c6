package dev.arbiter.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** The engine's architectural rules, each with its reason (DESIGN.md section 1). */
class ArchitectureTests {
  private static final JavaClasses ENGINE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.arbiter.engine");

  @Test
  void engineShouldNotDependOnSpring() {
    ArchRule rule =
        noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.springframework..")
            .because("the engine is plain Java that the server wraps, not a Spring component");
    rule.check(ENGINE);
  }

  @Test
  void engineShouldDoNoIo() {
    ArchRule rule =
        noClasses()
            .should()
            .dependOnClassesThat(
                JavaClass.Predicates.resideInAnyPackage(
                        "java.sql..", "java.net..", "java.nio.file..", "java.nio.channels..")
                    // a URI is a value (an external model's address); parsing it does no I/O
                    .and(
                        DescribedPredicate.not(
                            JavaClass.Predicates.belongToAnyOf(
                                java.net.URI.class, java.net.URISyntaxException.class))))
            .orShould()
            .dependOnClassesThat()
            .haveNameMatching("java\\.io\\.File.*")
            .because("a decision does no I/O: the server hands the engine everything it needs");
    rule.check(ENGINE);
  }

  @Test
  void engineShouldNotReadTheClock() {
    ArchRule rule =
        noClasses()
            .should()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(java.time.Instant.class, "now")
            .orShould()
            .callMethod(java.time.Clock.class, "systemUTC")
            .orShould()
            .callMethod(java.time.Clock.class, "systemDefaultZone")
            .orShould()
            .callMethodWhere(
                com.tngtech.archunit.base.DescribedPredicate.describe(
                    "a now() of java.time",
                    call ->
                        call.getTarget().getName().equals("now")
                            && call.getTargetOwner().getPackageName().equals("java.time")))
            .because("time comes in with the request, so decisions are reproducible and testable");
    rule.check(ENGINE);
  }

  @Test
  void engineShouldNotUseUnseededRandomness() {
    ArchRule rule =
        noClasses()
            .should()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
            .orShould()
            .callMethod(Math.class, "random")
            .orShould()
            .callConstructor(java.util.Random.class)
            .because(
                "randomness comes from the request's seed: the same seed gives the same decision");
    rule.check(ENGINE);
  }

  @Test
  void modelAndPolicyMathShouldNotDependOnThePipeline() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAnyPackage(
                "dev.arbiter.engine.scoring..",
                "dev.arbiter.engine.policy..",
                "dev.arbiter.engine.arbitration..",
                "dev.arbiter.engine.trace..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.arbiter.engine.pipeline..", "dev.arbiter.engine.catalog..")
            .because("scoring, policies, arbitration and traces are leaves the pipeline composes");
    rule.check(ENGINE);
  }
}
