package dev.arbiter;

import dev.arbiter.cli.ArbiterCommand;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import picocli.CommandLine;

/** Entry point: the {@code arbiter} command line; {@code arbiter serve} starts the server. */
@SpringBootApplication
public class ArbiterApplication {
  public static void main(String[] args) {
    int code = new CommandLine(new ArbiterCommand()).execute(args);
    System.exit(code);
  }
}
