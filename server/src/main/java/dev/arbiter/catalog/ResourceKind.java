package dev.arbiter.catalog;

import dev.arbiter.engine.catalog.ArbitrationProfileDefinition;
import dev.arbiter.engine.catalog.ContactPolicyDefinition;
import dev.arbiter.engine.catalog.FlowDefinition;
import dev.arbiter.engine.catalog.ModelDefinition;
import dev.arbiter.engine.catalog.OfferDefinition;
import dev.arbiter.engine.catalog.QualificationRuleDefinition;
import java.util.Arrays;
import java.util.Optional;

/** The kinds of catalog resource, with their URL segment, stored name and document field. */
public enum ResourceKind {
  OFFER("offers", "offer", "offers", OfferDefinition.class),
  QUALIFICATION_RULE(
      "qualification-rules",
      "qualification_rule",
      "qualificationRules",
      QualificationRuleDefinition.class),
  CONTACT_POLICY(
      "contact-policies", "contact_policy", "contactPolicies", ContactPolicyDefinition.class),
  MODEL("models", "model", "models", ModelDefinition.class),
  ARBITRATION_PROFILE(
      "arbitration-profiles",
      "arbitration_profile",
      "arbitrationProfiles",
      ArbitrationProfileDefinition.class),
  FLOW("flows", "flow", "flows", FlowDefinition.class);

  /** Regex of every URL segment, for request mappings. */
  public static final String PATHS =
      "offers|qualification-rules|contact-policies|models|arbitration-profiles|flows";

  private final String path;
  private final String stored;
  private final String documentField;
  private final Class<?> definitionType;

  ResourceKind(String path, String stored, String documentField, Class<?> definitionType) {
    this.path = path;
    this.stored = stored;
    this.documentField = documentField;
    this.definitionType = definitionType;
  }

  /** URL segment under {@code /api/v1}, e.g. {@code qualification-rules}. */
  public String path() {
    return path;
  }

  /** Value of the {@code kind} column. */
  public String stored() {
    return stored;
  }

  /** Field of the import/export document and prefix of engine violation paths. */
  public String documentField() {
    return documentField;
  }

  /** The engine definition record a body must convert to. */
  public Class<?> definitionType() {
    return definitionType;
  }

  /** A person's name for one resource of this kind: {@code offer}, {@code qualification rule}. */
  public String label() {
    return stored.replace('_', ' ');
  }

  public static Optional<ResourceKind> fromPath(String path) {
    return Arrays.stream(values()).filter(k -> k.path.equals(path)).findFirst();
  }

  public static ResourceKind fromStored(String stored) {
    return Arrays.stream(values())
        .filter(k -> k.stored.equals(stored))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown kind " + stored));
  }
}
