package dev.arbiter.security;

/** What an endpoint needs from its caller's role. */
public enum Permission {
  /** Any authenticated caller of the tenant, including {@code decision} credentials. */
  AUTHENTICATED,
  /** Read the tenant's catalog and data: viewer, editor, admin. */
  READ,
  /** Change the catalog: editor, admin. */
  WRITE_CATALOG,
  /** Keys and settings: admin. */
  ADMINISTER,
  /** Recommend and respond: every role. */
  DECIDE,
  /** Tenant management: platform operators only. */
  PLATFORM;

  public boolean allows(Caller caller) {
    return switch (this) {
      case AUTHENTICATED -> true;
      case READ -> caller.role().canRead();
      case WRITE_CATALOG -> caller.role().canWriteCatalog();
      case ADMINISTER -> caller.role().canAdminister();
      case DECIDE -> caller.role().canDecide();
      case PLATFORM -> caller.platformOperator();
    };
  }
}
