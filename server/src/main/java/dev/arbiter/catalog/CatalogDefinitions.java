package dev.arbiter.catalog;

import dev.arbiter.contact.ContactHistoryProperties;
import dev.arbiter.engine.catalog.ArbitrationProfileDefinition;
import dev.arbiter.engine.catalog.CatalogBuilder;
import dev.arbiter.engine.catalog.CatalogDefinition;
import dev.arbiter.engine.catalog.CatalogSnapshot;
import dev.arbiter.engine.catalog.CatalogViolation;
import dev.arbiter.engine.catalog.ContactPolicyDefinition;
import dev.arbiter.engine.catalog.FlowDefinition;
import dev.arbiter.engine.catalog.ModelDefinition;
import dev.arbiter.engine.catalog.OfferDefinition;
import dev.arbiter.engine.catalog.QualificationRuleDefinition;
import dev.arbiter.engine.policy.ContactPolicy;
import dev.arbiter.engine.policy.PolicyType;
import dev.arbiter.engine.scoring.ExternalModel;
import dev.arbiter.engine.scoring.ScoringModel;
import dev.arbiter.scoring.ExternalModelUrls;
import dev.arbiter.shared.FieldError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns stored catalog bodies into the engine's definition records, strictly: an unknown field or a
 * value of the wrong type is a field error, never silently dropped or coerced; and checks what the
 * engine cannot know: that no contact policy counts further back than the contact history reaches.
 * Thread-safe.
 */
public final class CatalogDefinitions {
  private final ContactHistoryProperties contactHistory;

  /**
   * @param contactHistory what the contact history keeps ({@code ARBITER_CONTACT_HORIZON}, {@code
   *     ARBITER_CONTACT_MAX_EVENTS}): a policy may not count further back, nor up to more contacts
   */
  public CatalogDefinitions(
      ContactHistoryProperties contactHistory, ExternalModelUrls externalModelUrls) {
    this.contactHistory = Objects.requireNonNull(contactHistory, "contactHistory");
    this.externalModelUrls = Objects.requireNonNull(externalModelUrls, "externalModelUrls");
  }

  private final ExternalModelUrls externalModelUrls;

  private final JsonMapper strict =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .build();

  /** A body converted to its definition, or the reasons it could not be. */
  public record Converted(Object definition, List<FieldError> errors) {
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  /**
   * Converts {@code body} to the engine definition of {@code kind}.
   *
   * @param version for flows: the version to give the definition (at least 1)
   */
  public Converted convert(
      ResourceKind kind, String id, String key, Map<String, Object> body, int version) {
    List<FieldError> unknown = new ArrayList<>();
    java.util.Set<String> known = components(kind.definitionType());
    for (String field : body.keySet()) {
      if (!known.contains(field) || field.equals("id") || field.equals("version")) {
        unknown.add(new FieldError(field, "is not a known field of a " + kind.label()));
      }
    }
    if (!unknown.isEmpty()) {
      return new Converted(null, unknown);
    }
    Map<String, Object> input = new HashMap<>(body);
    input.put("id", id);
    input.put("key", key);
    if (kind == ResourceKind.FLOW) {
      input.put("version", version);
    }
    try {
      return new Converted(strict.convertValue(input, kind.definitionType()), List.of());
    } catch (JacksonException e) {
      return new Converted(null, List.of(new FieldError(FieldError.pathOf(e), describe(e))));
    } catch (IllegalArgumentException e) {
      return new Converted(null, List.of(new FieldError("body", e.getMessage())));
    }
  }

  /** Problems of one definition on its own, with paths relative to it. */
  public List<FieldError> validateOne(ResourceKind kind, Object definition) {
    return validateOne(kind, definition, true);
  }

  /**
   * Problems of one definition on its own, with paths relative to it.
   *
   * @param limits whether an active contact policy is held to what the contact history keeps
   *     ({@link #beyondHistory(CatalogDefinition)}); false for one stored before, left unchanged
   */
  public List<FieldError> validateOne(ResourceKind kind, Object definition, boolean limits) {
    List<CatalogViolation> violations =
        switch (kind) {
          case OFFER -> CatalogBuilder.validateOffer((OfferDefinition) definition);
          case QUALIFICATION_RULE ->
              CatalogBuilder.validateRule((QualificationRuleDefinition) definition);
          case CONTACT_POLICY -> {
            ContactPolicyDefinition policy = (ContactPolicyDefinition) definition;
            List<CatalogViolation> problems = CatalogBuilder.validatePolicy(policy);
            yield problems.isEmpty() && limits && active(policy)
                ? beyondHistory(CatalogBuilder.policy(policy), "")
                : problems;
          }
          case MODEL -> {
            List<CatalogViolation> problems =
                CatalogBuilder.validateModel((ModelDefinition) definition);
            yield problems.isEmpty() && limits
                ? notAllowed(CatalogBuilder.model((ModelDefinition) definition))
                : problems;
          }
          case ARBITRATION_PROFILE ->
              CatalogBuilder.validateProfile((ArbitrationProfileDefinition) definition);
          case FLOW -> CatalogBuilder.validateFlow((FlowDefinition) definition);
        };
    return violations.stream().map(v -> new FieldError(trimDot(v.path()), v.message())).toList();
  }

  /**
   * The problems of {@code external} models in {@code definition} whose URL {@code
   * ARBITER_EXTERNAL_MODEL_URLS} does not allow, with paths from the catalog's root ({@code
   * models[key].config.url}): for {@code arbiter validate}, which checks a whole document.
   */
  public List<FieldError> notAllowed(CatalogDefinition definition) {
    List<FieldError> problems = new ArrayList<>();
    for (ModelDefinition m : definition.models()) {
      ScoringModel model = m == null ? null : CatalogBuilder.model(m);
      for (CatalogViolation v : model == null ? List.<CatalogViolation>of() : notAllowed(model)) {
        problems.add(new FieldError("models[" + m.key() + "]." + v.path(), v.message()));
      }
    }
    return problems;
  }

  /**
   * An {@code external} model whose URL {@code ARBITER_EXTERNAL_MODEL_URLS} does not allow: refused
   * when written (it would only ever give fallback scores), with what to set.
   */
  private List<CatalogViolation> notAllowed(ScoringModel model) {
    if (model instanceof ExternalModel external && !externalModelUrls.allows(external.url())) {
      return List.of(
          new CatalogViolation(
              "config.url",
              externalModelUrls.isEmpty()
                  ? "is not allowed: this server calls no external model until"
                      + " ARBITER_EXTERNAL_MODEL_URLS lists the URL prefixes they may call"
                  : "is not allowed: it is under none of the prefixes of"
                      + " ARBITER_EXTERNAL_MODEL_URLS "
                      + externalModelUrls));
    }
    return List.of();
  }

  /**
   * The problems of contact policies in {@code definition} that count what the contact history does
   * not keep, with paths from the catalog's root ({@code contactPolicies[key].config.window}). Kept
   * apart from {@link Catalog#problems()}: a policy stored before the history was shortened must
   * not block unrelated edits, nor stop decisions (which count what the history holds).
   */
  public List<FieldError> beyondHistory(CatalogDefinition definition) {
    List<ContactPolicy> active = new ArrayList<>();
    for (ContactPolicyDefinition policy : definition.policies()) {
      ContactPolicy compiled =
          policy != null && active(policy) ? CatalogBuilder.policy(policy) : null;
      if (compiled != null) {
        active.add(compiled);
      }
    }
    return beyondHistory(active);
  }

  /**
   * {@link #beyondHistory(CatalogDefinition)} of a compiled snapshot, whose policies are the active
   * ones, compiled already.
   */
  public List<FieldError> beyondHistory(CatalogSnapshot snapshot) {
    return beyondHistory(snapshot.policies());
  }

  private List<FieldError> beyondHistory(List<ContactPolicy> policies) {
    List<FieldError> problems = new ArrayList<>();
    for (ContactPolicy policy : policies) {
      String path = ResourceKind.CONTACT_POLICY.documentField() + "[" + policy.key() + "].";
      for (CatalogViolation v : beyondHistory(policy, path)) {
        problems.add(new FieldError(v.path(), v.message()));
      }
    }
    return problems;
  }

  /** Whether a policy counts contacts: an inactive one counts nothing (checked when activated). */
  private static boolean active(ContactPolicyDefinition policy) {
    return policy.status() == null || "active".equals(policy.status());
  }

  /**
   * The problems of an active policy that counts what the contact history does not keep: a window
   * (or cooldown) longer than its horizon, or a {@code max} above the entries it keeps of a kind
   * (the count could never reach it). Paths are {@code prefix} plus the field; none for a policy
   * that does not compile (null).
   */
  private List<CatalogViolation> beyondHistory(ContactPolicy policy, String prefix) {
    if (policy == null) {
      return List.of();
    }
    List<CatalogViolation> problems = new ArrayList<>(0);
    Duration horizon = contactHistory.horizon();
    if (policy.window().compareTo(horizon) > 0) {
      String field = policy.type() == PolicyType.COOLDOWN ? "duration" : "window";
      problems.add(
          new CatalogViolation(
              prefix + "config." + field,
              "must be at most "
                  + ContactHistoryProperties.days(horizon)
                  + ", how far back the contact history reaches (ARBITER_CONTACT_HORIZON); a"
                  + " contact older than that is no longer held, so a longer "
                  + field
                  + " would count fewer than happened"));
    }
    if (policy.type() != PolicyType.COOLDOWN && policy.max() > contactHistory.maxEvents()) {
      problems.add(
          new CatalogViolation(
              prefix + "config.max",
              "must be at most "
                  + contactHistory.maxEvents()
                  + ", the contacts of each kind the history keeps per customer"
                  + " (ARBITER_CONTACT_MAX_EVENTS); a count could never reach more"));
    }
    return problems;
  }

  /**
   * The catalog as the engine sees it.
   *
   * @param flows the flow versions to use: published versions for decisions; when null, the current
   *     drafts (each as version 1) for checking edits
   */
  public Catalog catalog(
      String tenantId, long version, List<CatalogResource> resources, List<PublishedFlow> flows) {
    Map<ResourceKind, List<Object>> byKind = new LinkedHashMap<>();
    for (ResourceKind k : ResourceKind.values()) {
      byKind.put(k, new ArrayList<>());
    }
    List<FieldError> errors = new ArrayList<>();
    for (CatalogResource r : resources) {
      if (r.kind() == ResourceKind.FLOW && flows != null) {
        continue;
      }
      add(byKind, errors, r.kind(), r.id(), r.key(), r.body(), 1);
    }
    if (flows != null) {
      for (PublishedFlow f : flows) {
        add(byKind, errors, ResourceKind.FLOW, f.flowId(), f.flowKey(), f.body(), f.version());
      }
    }
    CatalogDefinition definition =
        new CatalogDefinition(
            tenantId,
            version,
            cast(byKind.get(ResourceKind.OFFER)),
            cast(byKind.get(ResourceKind.QUALIFICATION_RULE)),
            cast(byKind.get(ResourceKind.CONTACT_POLICY)),
            cast(byKind.get(ResourceKind.MODEL)),
            cast(byKind.get(ResourceKind.ARBITRATION_PROFILE)),
            cast(byKind.get(ResourceKind.FLOW)));
    return new Catalog(definition, errors);
  }

  /** A catalog definition plus bodies that could not even be converted (path-prefixed). */
  public record Catalog(CatalogDefinition definition, List<FieldError> conversionErrors) {
    /** Every problem: conversion errors and the engine's violations. */
    public List<FieldError> problems() {
      List<FieldError> all = new ArrayList<>(conversionErrors);
      for (CatalogViolation v : CatalogBuilder.build(definition).violations()) {
        all.add(new FieldError(v.path(), v.message()));
      }
      return all;
    }
  }

  private void add(
      Map<ResourceKind, List<Object>> byKind,
      List<FieldError> errors,
      ResourceKind kind,
      String id,
      String key,
      Map<String, Object> body,
      int version) {
    Converted c = convert(kind, id, key, body, version);
    if (c.valid()) {
      byKind.get(kind).add(c.definition());
    } else {
      for (FieldError e : c.errors()) {
        errors.add(
            new FieldError(kind.documentField() + "[" + key + "]." + e.field(), e.message()));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> cast(List<Object> list) {
    return (List<T>) (List<?>) list;
  }

  private static String trimDot(String path) {
    return path.startsWith(".") ? path.substring(1) : path.isEmpty() ? "body" : path;
  }

  private static java.util.Set<String> components(Class<?> record) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (var c : record.getRecordComponents()) {
      names.add(c.getName());
    }
    return names;
  }

  private static String describe(JacksonException e) {
    if (e instanceof tools.jackson.databind.exc.MismatchedInputException m
        && m.getTargetType() != null) {
      Class<?> t = m.getTargetType();
      if (t == Integer.class || t == Long.class || t == int.class || t == long.class) {
        return "must be an integer";
      }
      if (Number.class.isAssignableFrom(t) || t == double.class) {
        return "must be a number";
      }
      if (t == String.class) {
        return "must be a string";
      }
      if (t == Boolean.class || t == boolean.class) {
        return "must be true or false";
      }
      if (t == java.time.Instant.class) {
        return "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z";
      }
      if (java.util.Collection.class.isAssignableFrom(t)) {
        return "must be an array";
      }
      if (Map.class.isAssignableFrom(t) || t.isRecord()) {
        return "must be an object";
      }
    }
    String m = e.getOriginalMessage();
    if (m == null) {
      return "is invalid";
    }
    if (m.startsWith("Unrecognized property") || m.startsWith("Unrecognized field")) {
      return "is not a known field";
    }
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    return m.length() > 200 ? m.substring(0, 200) + "…" : m;
  }
}
