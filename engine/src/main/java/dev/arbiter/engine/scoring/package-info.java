/**
 * Scoring models that turn a customer and an offer into a propensity in [0, 1]: scorecard, Thompson
 * sampling over Beta posteriors, naive Bayes over binned predictors, and logistic regression.
 * Learned state is a separate immutable {@link dev.arbiter.engine.scoring.ModelState} the caller
 * passes in and folds outcomes into with {@link dev.arbiter.engine.scoring.Learning}. Models are
 * immutable and thread-safe; all randomness comes from a caller-seeded {@link
 * dev.arbiter.engine.scoring.SeededRandom}.
 */
package dev.arbiter.engine.scoring;
