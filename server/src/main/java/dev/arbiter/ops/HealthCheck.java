package dev.arbiter.ops;

/** One dependency's health. Implementations answer within about a second and never throw. */
public interface HealthCheck {
  /** The key under {@code checks} in {@code /api/health}. */
  String name();

  CheckResult check();
}
