/**
 * Models at decision time: learned state (Thompson posteriors, naive Bayes counts) loaded per model
 * from evidence counts and refreshed in the background, and a circuit breaker per model that makes
 * decisions use the model's fallback score while the model keeps failing.
 */
package dev.arbiter.scoring;
