package dev.arbiter.security;

import java.util.Locale;

/** Placeholder until the security branch lands. */
public enum Role {
  ADMIN,
  EDITOR,
  VIEWER,
  DECISION;

  public static Role fromString(String s) {
    return Role.valueOf(s.toUpperCase(Locale.ROOT));
  }

  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean canRead() {
    return this != DECISION;
  }

  public boolean canWriteCatalog() {
    return this == ADMIN || this == EDITOR;
  }

  public boolean canAdminister() {
    return this == ADMIN;
  }

  public boolean canDecide() {
    return true;
  }
}
