/**
 * The decision trace: what a decision did, stage by stage. A trace lists, per stage, how many
 * offers entered and left, which offers left and why, how long the stage took, the factors and
 * score of every offer that reached scoring, and the final ranking. Types here are immutable data
 * with no behaviour beyond formatting, shaped like the decision-trace resource of the HTTP API.
 */
package dev.arbiter.engine.trace;
