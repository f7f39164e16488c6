/**
 * The Arbiter decision engine: plain Java with no framework and no I/O. {@code DecisionEngine} is
 * the one entry point; callers hand it an immutable catalog snapshot, a request and the customer's
 * state, and get back a ranked decision with its full trace.
 */
package dev.arbiter.engine;
