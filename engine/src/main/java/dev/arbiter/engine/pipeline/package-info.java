/**
 * The Recommend pipeline: flow routing, then the status, schedule, budget, qualification,
 * contact-policy and channel stages that filter a flow's candidates, then scoring, arbitration and
 * top-N. Each stage records the offers it removes with a reason formatted only when a trace is
 * read. The caller's inputs (request, contact history, budget counters, model state) are immutable
 * values; a decision reads no clock and does no I/O.
 */
package dev.arbiter.engine.pipeline;
