package dev.arbiter.config;

import java.util.List;

/** The environment has one or more problems; {@link #problems()} lists all of them. */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
