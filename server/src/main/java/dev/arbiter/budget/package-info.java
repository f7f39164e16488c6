/**
 * Offer budgets counted exactly: how many decisions returned an offer and what they cost, in total
 * or per day. {@link dev.arbiter.budget.FailoverBudgetLedger} checks and adds in one atomic step in
 * Redis (shared by every node) or in process memory, writes every counter behind to PostgreSQL
 * about once a second, and seeds a counter that Redis or memory has lost from that copy, so a
 * budget survives restarts of Arbiter and of Redis.
 */
package dev.arbiter.budget;
