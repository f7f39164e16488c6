/**
 * Per-key request rate limits, exact across nodes. One algorithm (GCRA, a token bucket kept as a
 * single timestamp) runs either in Redis, as one Lua script per request reading the Redis server's
 * clock, or in process memory. {@link dev.arbiter.ratelimit.FailoverRateLimiter} uses Redis when it
 * is configured, answers from memory while Redis is unreachable (never failing or stalling a
 * request), reports that state, and returns to Redis by itself.
 */
package dev.arbiter.ratelimit;
