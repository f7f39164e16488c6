/**
 * What every Redis-backed component shares: a Lettuce client that fails fast instead of queueing
 * while Redis is away, reconnects only when asked (by a health probe, never on a request), and
 * loads Lua scripts by SHA-1.
 */
package dev.arbiter.redis;
