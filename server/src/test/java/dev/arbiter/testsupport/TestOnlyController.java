package dev.arbiter.testsupport;

import dev.arbiter.security.Permission;
import dev.arbiter.security.Requires;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints that exist only on the test classpath, to drive failure paths a real endpoint must not
 * have on purpose: an unexpected exception and a slow request.
 */
@RestController
class TestOnlyController {
  @GetMapping("/api/v1/test/boom")
  @Requires(Permission.AUTHENTICATED)
  Map<String, String> boom() {
    throw new IllegalStateException("secret internal detail at com.example.Internal");
  }

  @GetMapping("/api/v1/test/slow")
  @Requires(Permission.AUTHENTICATED)
  Map<String, String> slow(@RequestParam long ms) throws InterruptedException {
    Thread.sleep(ms);
    return Map.of("slept", Long.toString(ms));
  }

  @GetMapping("/api/v1/test/undeclared")
  Map<String, String> undeclared() {
    return Map.of("should", "never be served");
  }
}
