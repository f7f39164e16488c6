/**
 * Server configuration from environment variables. {@link dev.arbiter.config.ConfigLoader} reads
 * every variable, checks each one and reports all problems at once, so an operator fixes a bad
 * deployment in one pass; the resulting {@link dev.arbiter.config.ArbiterConfig} is immutable.
 */
package dev.arbiter.config;
