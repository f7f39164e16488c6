/**
 * Contact policies: frequency caps, cooldowns after an outcome and channel fatigue, evaluated
 * against the contact history the caller passes in. Windows roll relative to the request time;
 * nothing here reads a clock or stores anything. Policies are validated and compiled by the
 * catalog; an evaluator is built per decision and is confined to one thread.
 */
package dev.arbiter.engine.policy;
