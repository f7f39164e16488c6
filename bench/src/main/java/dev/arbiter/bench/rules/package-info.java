/**
 * JMH benchmarks of JSON Logic evaluation: Arbiter's compiler against json-logic-java, on the rules
 * and data of {@code rules/jsonlogic-cases.json}, which the node script in {@code
 * bench/jsonlogic-node} times with json-logic-engine. Results are written to {@code
 * bench/RESULTS.md}.
 */
package dev.arbiter.bench.rules;
