/**
 * HTTP plumbing shared by every endpoint: request ids, the access log, and the one place that turns
 * exceptions into RFC 9457 problem responses. No stack trace ever reaches a client; server faults
 * carry an {@code errorId} that also appears in the log.
 */
package dev.arbiter.web;
