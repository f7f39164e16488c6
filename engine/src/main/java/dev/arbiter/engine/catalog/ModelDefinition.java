package dev.arbiter.engine.catalog;

import java.util.Map;

/**
 * A scoring model as the API holds it. The {@code config} schema of each type is documented on
 * {@link dev.arbiter.engine.scoring.ScorecardModel}, {@link
 * dev.arbiter.engine.scoring.ThompsonModel}, {@link dev.arbiter.engine.scoring.NaiveBayesModel},
 * {@link dev.arbiter.engine.scoring.LogisticModel} and {@link
 * dev.arbiter.engine.scoring.ExternalModel}.
 *
 * @param id may be null
 * @param key unique per tenant
 * @param name may be null
 * @param type {@code scorecard|thompson|naive_bayes|logistic|external} ({@code onnx} is refused)
 * @param config the type's configuration as parsed JSON; null means {@code {}}
 * @param fallbackScore the propensity used on model error, in [0, 1]; required
 */
public record ModelDefinition(
    String id, String key, String name, String type, Map<String, ?> config, Double fallbackScore) {}
