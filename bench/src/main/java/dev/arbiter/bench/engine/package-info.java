/**
 * JMH benchmarks of whole decisions: a reference catalog (one flow, two rules per offer, three
 * contact policies, a 50-interaction history, Thompson scoring, PRIE, top 5) at 100, 1,000 and
 * 10,000 offers. Results go to the {@code Decision engine} section of {@code bench/RESULTS.md}.
 */
package dev.arbiter.bench.engine;
