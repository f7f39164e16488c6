/**
 * JSON Logic: parses a rule once, checks it against a whitelist of operators and compiles it to a
 * tree of specialised Java nodes, with data paths split once, constant subtrees folded and the
 * common {@code and}-of-path-tests shape fused into one node. Every structural problem with a rule
 * is reported at compile time with a JSON Pointer into the rule; a compiled rule is thread-safe,
 * immutable in behaviour (its one mutable part, a cache of the data's key instances, never changes
 * a result) and cannot run anything but whitelisted operators. Semantics follow the JSON Logic
 * community conformance suites, all of which pass.
 */
package dev.arbiter.engine.rules;
