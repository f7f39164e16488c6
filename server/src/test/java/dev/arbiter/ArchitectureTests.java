package dev.arbiter;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.arbiter.security.Requires;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Architecture rules of the server, each with its reason. */
class ArchitectureTests {
  static final JavaClasses SERVER =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.arbiter");

  @Test
  void sqlStaysInJdbcPackages() {
    // Queries are reviewed in one place per capability; services stay testable and
    // storage-agnostic.
    noClasses()
        .that()
        .resideOutsideOfPackages("..jdbc..", "dev.arbiter.cli..")
        .and()
        .doNotHaveSimpleName("ServerWiring")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework.jdbc.core..")
        .because("SQL lives in jdbc/ packages (STYLE.md)")
        .check(SERVER);
  }

  @Test
  void theEngineStaysFreeOfTheServer() {
    noClasses()
        .that()
        .resideInAPackage("dev.arbiter.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework..", "dev.arbiter.security..", "dev.arbiter.web..")
        .because("the engine is plain Java and knows nothing of HTTP or storage (DESIGN.md §1)")
        .check(SERVER);
  }

  @Test
  void everyApiHandlerDeclaresItsPermission() throws Exception {
    // Fail closed at runtime is a safety net; this finds the omission before it ships.
    List<String> missing = new ArrayList<>();
    for (var javaClass : SERVER) {
      if (!javaClass.isAnnotatedWith(RestController.class)) {
        continue;
      }
      Class<?> type = Class.forName(javaClass.getName());
      RequestMapping base = AnnotatedElementUtils.findMergedAnnotation(type, RequestMapping.class);
      String prefix = base == null || base.path().length == 0 ? "" : base.path()[0];
      for (Method m : type.getDeclaredMethods()) {
        RequestMapping mapping =
            AnnotatedElementUtils.findMergedAnnotation(m, RequestMapping.class);
        if (mapping == null) {
          continue;
        }
        String path = prefix + (mapping.path().length == 0 ? "" : mapping.path()[0]);
        if (path.startsWith("/api/v1/")
            && !path.startsWith("/api/v1/cron/")
            && !m.isAnnotationPresent(Requires.class)) {
          missing.add(type.getSimpleName() + "." + m.getName() + " " + path);
        }
      }
    }
    assertThat(missing).as("/api/v1 handlers without @Requires").isEmpty();
  }
}
