package dev.arbiter.security;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A credential's role in one tenant, and what each role may do.
 *
 * <table>
 *   <caption>Permissions</caption>
 *   <tr><th>role</th><th>read</th><th>write catalog</th><th>administer</th><th>decide</th></tr>
 *   <tr><td>admin</td><td>yes</td><td>yes</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>editor</td><td>yes</td><td>yes</td><td>no</td><td>yes</td></tr>
 *   <tr><td>viewer</td><td>yes</td><td>no</td><td>no</td><td>no</td></tr>
 *   <tr><td>decision</td><td>no</td><td>no</td><td>no</td><td>yes</td></tr>
 * </table>
 *
 * <p>{@code decision} is the role of channel callers (web, app, call centre): recommend and respond
 * only. It deliberately cannot read the catalog, traces or events, so a key embedded in a channel
 * application leaks no offer definitions, rules or customer decisions if it is extracted. Editors
 * may decide so they can try a flow with {@code X-Debug: true}; viewers may not, because a decision
 * has effects (budgets, contact history, events).
 */
public enum Role {
  ADMIN,
  EDITOR,
  VIEWER,
  DECISION;

  private static final String VALID =
      Arrays.stream(values()).map(Role::wireName).collect(Collectors.joining("|"));

  /**
   * The role named {@code name}, case-insensitively ({@code admin}, {@code editor}, {@code viewer},
   * {@code decision}).
   *
   * @throws IllegalArgumentException naming the valid roles, when {@code name} is null or unknown
   */
  public static Role fromString(String name) {
    if (name != null) {
      for (Role role : values()) {
        if (role.wireName().equalsIgnoreCase(name)) {
          return role;
        }
      }
    }
    throw new IllegalArgumentException(
        "Expected a role " + VALID + ", but got " + (name == null ? "null" : "'" + name + "'"));
  }

  /** The lower-case name used in JSON, JWT claims and the CLI. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** May read the catalog, traces, events and settings of the tenant. */
  public boolean canRead() {
    return this != DECISION;
  }

  /** May create, change, publish and delete catalog resources (offers, rules, flows, …). */
  public boolean canWriteCatalog() {
    return this == ADMIN || this == EDITOR;
  }

  /**
   * May manage API keys, tenant settings and the outbox: everything an operator of a tenant does.
   */
  public boolean canAdminister() {
    return this == ADMIN;
  }

  /** May call Recommend and Respond. */
  public boolean canDecide() {
    return this != VIEWER;
  }
}
