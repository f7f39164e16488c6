package dev.arbiter.engine.scoring;

/**
 * Learned state of one model, separate from the model's definition so the caller can refresh it
 * independently. Implementations are immutable and thread-safe. A model given no state (null)
 * scores from its prior; a model given state of another model type falls back.
 */
public sealed interface ModelState permits ThompsonState, NaiveBayesState {}
