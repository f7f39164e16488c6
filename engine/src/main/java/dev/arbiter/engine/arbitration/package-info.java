/**
 * Arbitration: how propensity, relevance, value and priority, each a factor in [0, 1], combine into
 * one score that ranks offers. Two formulas: PRIE, a weighted geometric mean in which a zero factor
 * eliminates the offer, and a weighted arithmetic sum. Everything here is pure arithmetic on
 * immutable values.
 */
package dev.arbiter.engine.arbitration;
