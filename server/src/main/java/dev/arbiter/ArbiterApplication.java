package dev.arbiter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Spring Boot entry point of the Arbiter server. */
@SpringBootApplication
public class ArbiterApplication {
  public static void main(String[] args) {
    SpringApplication.run(ArbiterApplication.class, args);
  }
}
