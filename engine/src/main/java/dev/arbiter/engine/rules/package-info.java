/**
 * JSON Logic: parses a rule once, checks it against a whitelist of operators and compiles it to a
 * tree of Java closures. Every problem with a rule is reported at compile time with a path into the
 * rule; a compiled rule is immutable, thread-safe and cannot run anything but whitelisted
 * operators.
 */
package dev.arbiter.engine.rules;
